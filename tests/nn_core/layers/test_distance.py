"""cosine_similarity and CosineSimilarity against torch (values, both inputs' gradients, broadcasting,
the eps clamp), finite differences, and the errors for bad shapes and dims."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import groundup.nn.functional as F
from groundup import Tensor, nn
from groundup.foundations.gradient_check import gradient_check
from tests.helpers import assert_close, to_torch
from tests.nn_core.nn_testing import dtypes, seeds


def compare(a: np.ndarray, b: np.ndarray, dim: int, eps: float = 1e-8) -> None:
    x1, x2 = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    t1, t2 = to_torch(x1), to_torch(x2)
    ours = F.cosine_similarity(x1, x2, dim=dim, eps=eps)
    theirs = torch.nn.functional.cosine_similarity(t1, t2, dim=dim, eps=eps)
    assert_close(ours, theirs, msg="forward")
    g = np.random.default_rng(0).standard_normal(ours.shape).astype(a.dtype)
    ours.backward(Tensor(g))
    theirs.backward(torch.tensor(g))
    assert_close(x1.grad, t1.grad, msg="gradient of x1")
    assert_close(x2.grad, t2.grad, msg="gradient of x2")


@settings(deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    data=st.data(),
    dtype=dtypes,
    seed=seeds,
)
def test_cosine_similarity_matches_torch(shape, data, dtype, seed) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    # x2 broadcasts against x1 along a drawn subset of axes
    ones = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    shape2 = [1 if one else n for one, n in zip(ones, shape, strict=True)]
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    b = rng.standard_normal(shape2).astype(dtype)
    compare(a, b, dim)


def test_cosine_similarity_hand_values() -> None:
    x1 = np.array([[1.0, 2.0, 2.0], [1.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    x2 = np.array([[2.0, 0.0, 1.0], [0.0, 5.0, 0.0], [-6.0, -8.0, 0.0]])
    # 4 / (3 √5), orthogonal, opposite
    assert_close(F.cosine_similarity(x1, x2), np.array([4 / (3 * np.sqrt(5)), 0.0, -1.0]))
    # scaling a vector does not change it
    assert_close(F.cosine_similarity(10 * x1, x2), F.cosine_similarity(x1, x2))


def test_cosine_similarity_clamps_small_norms_as_torch() -> None:
    rng = np.random.default_rng(3)
    b = rng.standard_normal((4, 3))
    compare(1e-10 * rng.standard_normal((4, 3)), b, dim=1, eps=1e-8)  # norm below eps
    compare(rng.standard_normal((4, 3)), b, dim=1, eps=10.0)  # eps above the norms
    zero = F.cosine_similarity(np.zeros((2, 3)), np.ones((2, 3)))
    assert_close(zero, np.zeros(2))  # 0, not nan


def test_cosine_similarity_finite_differences() -> None:
    rng = np.random.default_rng(1)
    x1 = Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    x2 = Tensor(rng.standard_normal((1, 5)), requires_grad=True)
    report = gradient_check(lambda a, b: F.cosine_similarity(a, b, dim=-1), [x1, x2])
    assert report.passed, str(report)
    # the gradient is orthogonal to x1: lengthening x1 changes nothing
    x1.grad = None
    F.cosine_similarity(x1, x2, dim=-1).sum().backward()
    assert_close((x1.grad.data * x1.data).sum(axis=1), np.zeros(3), atol=1e-12)


def test_cosine_similarity_module() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 3))
    module = nn.CosineSimilarity(dim=1, eps=1e-6)
    assert_close(module(Tensor(a), Tensor(b)), F.cosine_similarity(a, b, dim=1, eps=1e-6))
    assert repr(module) == "CosineSimilarity(dim=1, eps=1e-06)"


def test_cosine_similarity_errors_name_the_arguments() -> None:
    with pytest.raises(ValueError, match=r"x1 of shape \(2, 3\) and x2 of shape \(4, 3\)"):
        F.cosine_similarity(np.ones((2, 3)), np.ones((4, 3)))
    with pytest.raises(IndexError, match=r"dim=2 is out of range for the broadcast shape \(2, 3\)"):
        F.cosine_similarity(np.ones((2, 3)), np.ones((2, 3)), dim=2)
