"""BCE, BCE with logits (weight, pos_weight) and KL divergence against torch."""

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

REDUCTIONS = ["mean", "sum", "none"]
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _backward_both(loss: Tensor, expected: Any, seed: int) -> None:
    g = np.random.default_rng(seed).standard_normal(loss.shape).astype(loss.dtype)
    loss.backward(Tensor(g))
    expected.backward(torch.tensor(g))


@given(
    shape=shapes,
    seed=st.integers(0, 2**16),
    weighted=st.booleans(),
    reduction=st.sampled_from(REDUCTIONS),
    hard_targets=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float64, np.float32]),
)
def test_binary_cross_entropy_matches_torch(shape, seed, weighted, reduction, hard_targets, dtype):
    rng = np.random.default_rng(seed)
    p = Tensor(rng.uniform(0.02, 0.98, shape).astype(dtype), requires_grad=True)
    y_np = rng.integers(0, 2, shape) if hard_targets else rng.uniform(0, 1, shape)
    y = Tensor(y_np.astype(dtype), requires_grad=True)
    w = rng.uniform(0.5, 2.0, shape[-1:]).astype(dtype) if weighted else None
    loss = L.binary_cross_entropy(p, y, weight=w, reduction=reduction)
    pt, yt = to_torch(p), to_torch(y)
    wt = None if w is None else torch.tensor(w)
    expected = tF.binary_cross_entropy(pt, yt, weight=wt, reduction=reduction)
    assert_close(loss, expected)
    _backward_both(loss, expected, seed)
    assert_close(p.grad, pt.grad)
    assert_close(y.grad, yt.grad)
    assert_close(L.BCELoss(weight=w, reduction=reduction)(p, y), loss)
    if dtype == np.float64:
        fn = lambda a, b: L.binary_cross_entropy(a, b, weight=w, reduction=reduction)  # noqa: E731
        report = gradient_check(fn, [p, y])
        assert report.passed, str(report)


def test_binary_cross_entropy_at_0_and_1_is_clamped_like_torch() -> None:
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss = L.binary_cross_entropy(p, y, reduction="sum")
    pt = to_torch(p)
    expected = tF.binary_cross_entropy(pt, torch.tensor(y), reduction="sum")
    loss.backward()
    expected.backward()
    assert loss.item() == expected.item() == 200.0
    assert_close(p.grad, pt.grad)


@given(
    shape=shapes,
    seed=st.integers(0, 2**16),
    weighted=st.booleans(),
    pos_weighted=st.booleans(),
    reduction=st.sampled_from(REDUCTIONS),
    scale=st.sampled_from([1.0, 30.0]),
    dtype=st.sampled_from([np.float64, np.float64, np.float32]),
)
def test_bce_with_logits_matches_torch(
    shape, seed, weighted, pos_weighted, reduction, scale, dtype
):
    rng = np.random.default_rng(seed)
    x = Tensor((rng.standard_normal(shape) * scale).astype(dtype), requires_grad=True)
    y = Tensor(rng.uniform(0, 1, shape).astype(dtype), requires_grad=True)
    w = rng.uniform(0.5, 2.0, shape).astype(dtype) if weighted else None
    rho = rng.uniform(0.2, 4.0, shape[-1:]).astype(dtype) if pos_weighted else None
    loss = L.binary_cross_entropy_with_logits(x, y, w, reduction, pos_weight=rho)
    xt, yt = to_torch(x), to_torch(y)
    expected = tF.binary_cross_entropy_with_logits(
        xt,
        yt,
        None if w is None else torch.tensor(w),
        reduction=reduction,
        pos_weight=None if rho is None else torch.tensor(rho),
    )
    assert_close(loss, expected)
    assert loss.dtype == dtype
    _backward_both(loss, expected, seed)
    assert_close(x.grad, xt.grad)
    assert_close(y.grad, yt.grad)
    module = L.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=rho)
    assert_close(module(x, y), loss)
    if dtype == np.float64:
        fn = lambda a, b: L.binary_cross_entropy_with_logits(a, b, w, reduction, rho)  # noqa: E731
        report = gradient_check(fn, [x, y])
        assert report.passed, str(report)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_stable_for_huge_logits(dtype: Any) -> None:
    x = Tensor(np.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype=dtype), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5], dtype=dtype)
    rho = np.array([3.0], dtype=dtype)
    loss = L.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=rho)
    loss.sum().backward()
    assert np.all(np.isfinite(loss.data)) and np.all(np.isfinite(x.grad.data))
    xt = to_torch(x)
    expected = tF.binary_cross_entropy_with_logits(
        xt, torch.tensor(y), reduction="none", pos_weight=torch.tensor(rho)
    )
    expected.sum().backward()
    assert_close(loss, expected)
    assert_close(x.grad, xt.grad)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")
@given(
    shape=shapes,
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(["mean", "batchmean", "sum", "none"]),
    log_target=st.booleans(),
    zeros_in_target=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float64, np.float32]),
)
def test_kl_div_matches_torch(shape, seed, reduction, log_target, zeros_in_target, dtype):
    rng = np.random.default_rng(seed)
    log_p = Tensor(
        torch.log_softmax(torch.tensor(rng.standard_normal(shape)), -1).numpy().astype(dtype),
        requires_grad=True,
    )
    q = torch.softmax(torch.tensor(rng.standard_normal(shape) * 2), -1).numpy()
    if zeros_in_target and not log_target:
        q = np.where(rng.random(shape) < 0.3, 0.0, q)  # 0 log 0 = 0
    target_np = (np.log(q) if log_target else q).astype(dtype)
    # the target's gradient is compared where it is defined (no zeros in q)
    target = Tensor(target_np, requires_grad=not zeros_in_target)
    loss = L.kl_div(log_p, target, reduction=reduction, log_target=log_target)
    lt, tt = to_torch(log_p), to_torch(target)
    expected = tF.kl_div(lt, tt, reduction=reduction, log_target=log_target)
    assert_close(loss, expected)
    _backward_both(loss, expected, seed)
    assert_close(log_p.grad, lt.grad)
    if target.requires_grad:
        assert_close(target.grad, tt.grad)
    assert_close(L.KLDivLoss(reduction=reduction, log_target=log_target)(log_p, target), loss)
    if dtype == np.float64:
        fn = lambda a, b: L.kl_div(a, b, reduction=reduction, log_target=log_target)  # noqa: E731
        report = gradient_check(fn, [log_p, target])
        assert report.passed, str(report)


def test_kl_div_batchmean_is_the_kl_divergence() -> None:
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    q = np.array([[0.6, 0.4], [0.1, 0.9]])
    kl = np.sum(q * np.log(q / p)) / 2
    np.testing.assert_allclose(L.kl_div(Tensor(np.log(p)), q, "batchmean").item(), kl)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: L.binary_cross_entropy(Tensor(np.array([0.5, 1.2])), np.ones(2)),
            r"all elements of input should be between 0 and 1, got values in \[0.5, 1.2\]",
        ),
        (
            lambda: L.binary_cross_entropy(Tensor(np.full((3, 1), 0.5)), np.ones(3)),
            r"target shape \(3,\) differs from input shape \(3, 1\)",
        ),
        (
            lambda: L.binary_cross_entropy_with_logits(Tensor(np.zeros((2, 2))), np.ones(4)),
            r"binary_cross_entropy_with_logits: target shape \(4,\) differs",
        ),
        (
            lambda: L.kl_div(Tensor(np.zeros(3)), np.ones(3), reduction="avg"),
            "reduction must be one of 'mean', 'batchmean', 'sum', 'none', got 'avg'",
        ),
        (lambda: L.KLDivLoss(reduction="avg"), "got 'avg'"),
        (lambda: L.BCEWithLogitsLoss(reduction="batchmean"), "got 'batchmean'"),
    ],
)
def test_bad_input_gives_clear_errors(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_integer_labels_keep_the_input_dtype() -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0], dtype=np.float32), requires_grad=True)
    labels = np.array([1, 0, 1])
    loss = L.binary_cross_entropy_with_logits(x, labels)
    assert loss.dtype == np.float32
    expected = tF.binary_cross_entropy_with_logits(to_torch(x), torch.tensor(labels).float())
    assert_close(loss, expected)
    assert L.binary_cross_entropy(x.sigmoid(), labels.astype(bool)).dtype == np.float32
    assert L.mse_loss(x, Tensor(labels)).dtype == np.float32
