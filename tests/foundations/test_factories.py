"""Tensor constructors: PyTorch's default dtypes, copies, seeded generators; conversions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import groundup
from groundup import Tensor


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor([1.0, 2.0]),
        lambda m: m.tensor([1, 2]),
        lambda m: m.tensor([True]),
        lambda m: m.zeros(2, 3),
        lambda m: m.ones((2,)),
        lambda m: m.full((2,), 3),
        lambda m: m.full((2,), 3.0),
        lambda m: m.arange(5),
        lambda m: m.arange(0.0, 1.0, 0.25),
        lambda m: m.arange(1, 7, 2),
    ],
)
def test_constructors_match_torch_values_and_dtypes(make):
    got, want = make(groundup), make(torch)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.data, want.numpy())


def test_tensor_copies_and_like_constructors_keep_dtype():
    a = np.arange(3.0)
    t = groundup.tensor(a, requires_grad=True)
    a[0] = 100.0
    assert t.data[0] == 0.0 and t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert Tensor(a).data is a  # Tensor(ndarray) wraps without copying
    z = groundup.zeros_like(t)
    o = groundup.ones_like(Tensor(np.ones(2, np.float32)))
    assert z.dtype == np.float64 and o.dtype == np.float32 and not z.requires_grad
    assert groundup.zeros(2, dtype=np.float64, requires_grad=True).requires_grad


def test_random_constructors_use_the_given_generator():
    a = groundup.randn(3, 4, generator=np.random.default_rng(7))
    b = groundup.randn(3, 4, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == np.float32 and a.shape == (3, 4)
    u = groundup.rand(1000, generator=np.random.default_rng(0))
    assert 0.0 <= u.data.min() and u.data.max() < 1.0 and abs(u.data.mean() - 0.5) < 0.05
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    groundup.randn(5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_conversions():
    x = Tensor(np.array([[1.5, 2.0]]), requires_grad=True)
    with pytest.raises(ValueError, match="2 elements"):
        x.item()
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy() is x.data
    assert x.tolist() == [[1.5, 2.0]] and x[0, 1].item() == 2.0
    assert float(x[0, 0]) == 1.5 and int(x[0, 1]) == 2 and len(x) == 1
    assert x.size() == (1, 2) and x.size(1) == 2 and x.dim() == 2
    assert "requires_grad=True" in repr(x) and "grad_fn=<MulBackward>" in repr(x * 2)
