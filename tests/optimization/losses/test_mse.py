"""MSE, L1, Huber and smooth L1 against torch.nn.functional on hypothesis-drawn shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from groundup.optimization import losses as L
from tests.helpers import assert_close, to_torch

# name -> (ours, torch's, keyword options to draw)
LOSSES: dict[str, tuple[Any, Any, list[dict[str, Any]]]] = {
    "mse": (L.mse_loss, tF.mse_loss, [{}]),
    "l1": (L.l1_loss, tF.l1_loss, [{}]),
    "huber": (L.huber_loss, tF.huber_loss, [{}, {"delta": 0.5}, {"delta": 3.0}]),
    "smooth_l1": (L.smooth_l1_loss, tF.smooth_l1_loss, [{}, {"beta": 0.3}, {"beta": 0.0}]),
}
MODULES = {"mse": L.MSELoss, "l1": L.L1Loss, "huber": L.HuberLoss, "smooth_l1": L.SmoothL1Loss}


@given(
    name=st.sampled_from(sorted(LOSSES)),
    option=st.integers(0, 2),
    shape=st.lists(st.integers(1, 4), max_size=3).map(tuple),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.1, 1.0, 5.0]),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    dtype=st.sampled_from([np.float64, np.float64, np.float32]),
)
def test_regression_losses_match_torch(
    name: str, option: int, shape: tuple, seed: int, scale: float, reduction: str, dtype: Any
) -> None:
    ours, theirs, options = LOSSES[name]
    kw = options[option % len(options)]
    rng = np.random.default_rng(seed)
    x = Tensor((rng.standard_normal(shape) * scale).astype(dtype), requires_grad=True)
    y = Tensor((rng.standard_normal(shape) * scale).astype(dtype), requires_grad=True)
    loss = ours(x, y, reduction=reduction, **kw)
    xt, yt = to_torch(x), to_torch(y)
    expected = theirs(xt, yt, reduction=reduction, **kw)
    assert_close(loss, expected)
    assert loss.dtype == dtype
    g = rng.standard_normal(loss.shape).astype(dtype)
    loss.backward(Tensor(g))
    expected.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad)
    assert_close(y.grad, yt.grad)
    # the module form gives the same
    module = MODULES[name](reduction=reduction, **kw)
    assert_close(module(x, y), loss)
    if dtype == np.float64:
        report = gradient_check(lambda a, b: ours(a, b, reduction=reduction, **kw), [x, y])
        assert report.passed, str(report)


def test_huber_is_quadratic_inside_and_linear_outside() -> None:
    x = Tensor(np.array([0.5, 3.0]))
    y = Tensor(np.zeros(2))
    # 0.5 * 0.5^2 and delta * (3 - delta / 2) with delta = 1
    np.testing.assert_allclose(L.huber_loss(x, y, "none").data, [0.125, 2.5])
    np.testing.assert_allclose(L.smooth_l1_loss(x, y, "none", beta=2.0).data, [0.0625, 2.0])


@pytest.mark.parametrize("fn", [L.mse_loss, L.l1_loss, L.huber_loss, L.smooth_l1_loss])
def test_shape_mismatch_is_an_error_not_a_broadcast(fn: Any) -> None:
    x = Tensor(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"target shape \(4,\) differs from input shape \(4, 1\)"):
        fn(x, np.zeros(4))
    with pytest.raises(
        ValueError, match="reduction must be one of 'mean', 'sum', 'none', got 'max'"
    ):
        fn(x, np.zeros((4, 1)), reduction="max")


def test_bad_thresholds() -> None:
    x = Tensor(np.zeros(2))
    with pytest.raises(ValueError, match="delta must be positive, got 0"):
        L.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match="beta must be non-negative, got -1"):
        L.smooth_l1_loss(x, x, beta=-1)
