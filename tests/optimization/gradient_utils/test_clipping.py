"""clip_grad_norm_ and clip_grad_value_ against torch.nn.utils on hypothesis-drawn gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.optimization.gradient_utils import clip_grad_norm_, clip_grad_value_
from tests.helpers import assert_close

shapes = st.lists(
    st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple), min_size=1, max_size=4
)


def _params(shape_list: list[tuple[int, ...]], seed: int, scale: float, dtype: type) -> tuple:
    rng = np.random.default_rng(seed)
    grads = [(rng.standard_normal(s) * scale).astype(dtype) for s in shape_list]
    ours = [Tensor(np.zeros(s, dtype=dtype), requires_grad=True) for s in shape_list]
    theirs = [torch.zeros(s, dtype=torch.from_numpy(np.zeros(1, dtype)).dtype) for s in shape_list]
    for p, t, g in zip(ours, theirs, grads):
        p.grad = Tensor(g.copy())
        t.grad = torch.tensor(g.copy())
    # a parameter without a gradient is skipped by both
    ours.append(Tensor(np.zeros(3, dtype=dtype), requires_grad=True))
    theirs.append(torch.zeros(3, requires_grad=True))
    return ours, theirs


@given(
    shape_list=shapes,
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.01, 1.0, 100.0]),
    max_norm=st.sampled_from([0.5, 1.0, 10.0]),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_clip_grad_norm_matches_torch(shape_list, seed, scale, max_norm, norm_type, dtype) -> None:
    ours, theirs = _params(shape_list, seed, scale, dtype)
    before = [p.grad.data.copy() for p in ours[:-1]]
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_close(total, expected)
    assert total.dtype == dtype
    for p, t in zip(ours[:-1], theirs[:-1]):
        assert_close(p.grad, t.grad)
        assert p.grad.dtype == dtype
    assert ours[-1].grad is None
    clipped = float(total) > max_norm
    assert clipped == any(not np.array_equal(b, p.grad.data) for b, p in zip(before, ours))


def test_clip_grad_norm_single_tensor_and_no_grads() -> None:
    w = Tensor(np.zeros(2), requires_grad=True)
    assert float(clip_grad_norm_(w, 1.0)) == 0.0
    w.grad = Tensor(np.array([6.0, 8.0]))
    assert float(clip_grad_norm_(w, 5.0)) == 10.0
    np.testing.assert_allclose(w.grad.data, [3.0, 4.0], rtol=1e-6)


def test_clip_grad_norm_nonfinite() -> None:
    w = Tensor(np.zeros(2), requires_grad=True)
    w.grad = Tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match=r"total norm of order 2\.0 .* is inf"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    t = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor([np.nan, 1.0], dtype=torch.float64)
    w.grad = Tensor(np.array([np.nan, 1.0]))
    assert np.isnan(float(clip_grad_norm_([w], 1.0)))
    torch.nn.utils.clip_grad_norm_([t], 1.0)
    assert_close(w.grad, t.grad)


@given(
    shape_list=shapes,
    seed=st.integers(0, 2**16),
    clip_value=st.sampled_from([0.0, 0.1, 1.0, 5.0]),
)
def test_clip_grad_value_matches_torch(shape_list, seed, clip_value) -> None:
    ours, theirs = _params(shape_list, seed, 2.0, np.float64)
    clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, t in zip(ours[:-1], theirs[:-1]):
        assert_close(p.grad, t.grad)
        assert np.all(np.abs(p.grad.data) <= clip_value)
    with pytest.raises(ValueError, match="clip_value must be non-negative, got -1"):
        clip_grad_value_(ours, -1)
