"""cross_entropy and nll_loss against torch.nn.functional, for every option and shape.

Shapes are drawn by hypothesis: ``(N, C)``, ``(N, C, d1, ...)`` and a single ``(C,)``;
targets as class indices (some ignored) or as probabilities; with and without class
weights and label smoothing; every reduction; float64 and float32.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from hypothesis import given
from hypothesis import strategies as st

import groundup
from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from groundup.optimization.losses import CrossEntropyLoss, NLLLoss, cross_entropy, nll_loss
from tests.helpers import assert_close, to_torch

REDUCTIONS = ["mean", "sum", "none"]


@st.composite
def ce_case(draw: Any) -> dict[str, Any]:
    """Logits, integer targets (some ignored) and options."""
    single = draw(st.booleans()) and draw(st.booleans())  # a quarter of cases: one sample (C,)
    C = draw(st.integers(1, 5))
    N = draw(st.integers(1, 4))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    shape = (C,) if single else (N, C) + extra
    target_shape = () if single else (N,) + extra
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    ignore_index = draw(st.sampled_from([-100, -1, 0, 2]))  # -1: nanoGPT's padding
    y = rng.integers(0, C, size=target_shape)
    if draw(st.booleans()):
        y = np.where(rng.random(target_shape) < 0.3, ignore_index, y)
    if np.all(y == ignore_index):  # torch gives nan for a mean over nothing; tested apart
        y = np.full(target_shape, C - 1 if ignore_index != C - 1 else 0)
        if ignore_index in (C - 1, 0) and C == 1:
            ignore_index = -100
    return dict(
        x=rng.standard_normal(shape) * draw(st.sampled_from([1.0, 10.0])),
        y=y,
        weight=rng.uniform(0.2, 2.0, C) if draw(st.booleans()) else None,
        ignore_index=ignore_index,
        reduction=draw(st.sampled_from(REDUCTIONS)),
        label_smoothing=draw(st.sampled_from([0.0, 0.0, 0.1, 0.35])),
        dtype=draw(st.sampled_from([np.float64, np.float64, np.float32])),
    )


def _torch_weight(w: np.ndarray | None, dtype: Any) -> Any:
    return None if w is None else torch.tensor(w.astype(dtype))


@given(case=ce_case())
def test_cross_entropy_with_class_indices_matches_torch(case: dict[str, Any]) -> None:
    dtype = case["dtype"]
    x = Tensor(case["x"].astype(dtype), requires_grad=True)
    kw = dict(
        ignore_index=case["ignore_index"],
        reduction=case["reduction"],
        label_smoothing=case["label_smoothing"],
    )
    w = None if case["weight"] is None else case["weight"].astype(dtype)
    loss = cross_entropy(x, case["y"], weight=w, **kw)
    xt = to_torch(x)
    expected = tF.cross_entropy(xt, torch.tensor(case["y"]), weight=_torch_weight(w, dtype), **kw)
    assert_close(loss, expected)
    assert loss.dtype == dtype

    g = np.random.default_rng(1).standard_normal(loss.shape).astype(dtype)
    loss.backward(Tensor(g))
    expected.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad)

    if dtype == np.float64:
        report = gradient_check(lambda t: cross_entropy(t, case["y"], weight=w, **kw), [x])
        assert report.passed, str(report)


@given(case=ce_case())
def test_nll_loss_matches_torch(case: dict[str, Any]) -> None:
    dtype = case["dtype"]
    cd = 0 if case["x"].ndim == 1 else 1
    logp = Tensor(torch.log_softmax(torch.tensor(case["x"]), cd).numpy().astype(dtype), True)
    kw = dict(ignore_index=case["ignore_index"], reduction=case["reduction"])
    w = None if case["weight"] is None else case["weight"].astype(dtype)
    loss = nll_loss(logp, case["y"], weight=w, **kw)
    lt = to_torch(logp)
    expected = tF.nll_loss(lt, torch.tensor(case["y"]), weight=_torch_weight(w, dtype), **kw)
    assert_close(loss, expected)
    g = np.random.default_rng(2).standard_normal(loss.shape).astype(dtype)
    loss.backward(Tensor(g))
    expected.backward(torch.tensor(g))
    assert_close(logp.grad, lt.grad)


@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 5)).flatmap(
        lambda nc: st.lists(st.integers(1, 3), max_size=2).map(lambda e: nc + tuple(e))
    )
    | st.integers(1, 5).map(lambda c: (c,)),
    seed=st.integers(0, 2**16),
    weighted=st.booleans(),
    reduction=st.sampled_from(REDUCTIONS),
    label_smoothing=st.sampled_from([0.0, 0.2]),
)
def test_cross_entropy_with_probabilities_matches_torch(
    shape: tuple[int, ...], seed: int, weighted: bool, reduction: str, label_smoothing: float
) -> None:
    rng = np.random.default_rng(seed)
    cd = 0 if len(shape) == 1 else 1
    x = Tensor(rng.standard_normal(shape) * 3, requires_grad=True)
    q = Tensor(torch.softmax(torch.tensor(rng.standard_normal(shape)), cd).numpy(), True)
    w = rng.uniform(0.2, 2.0, shape[cd]) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    loss = cross_entropy(x, q, weight=w, **kw)
    xt, qt = to_torch(x), to_torch(q)
    expected = tF.cross_entropy(xt, qt, weight=_torch_weight(w, np.float64), **kw)
    assert_close(loss, expected)
    g = rng.standard_normal(loss.shape)
    loss.backward(Tensor(g))
    expected.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad)
    assert_close(q.grad, qt.grad)  # the target's gradient too (soft targets from a teacher)
    report = gradient_check(lambda a, b: cross_entropy(a, b, weight=w, **kw), [x, q])
    assert report.passed, str(report)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_are_stable(dtype: Any) -> None:
    x_np = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0]], dtype=dtype)
    y = np.array([2, 0, 1])
    for kw in [{}, {"label_smoothing": 0.1}, {"weight": np.array([1.0, 2.0, 3.0], dtype=dtype)}]:
        x = Tensor(x_np, requires_grad=True)
        loss = cross_entropy(x, y, **kw)
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.data))
        xt = to_torch(x)
        kwt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        expected = tF.cross_entropy(xt, torch.tensor(y), **kwt)
        expected.backward()
        assert_close(loss, expected)
        assert_close(x.grad, xt.grad)


def test_all_targets_ignored_gives_nan_like_torch() -> None:
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    y = np.array([-100, -100])
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = cross_entropy(x, y)
    assert np.isnan(loss.item())
    assert np.isnan(tF.cross_entropy(torch.zeros(2, 3), torch.tensor(y)).item())
    assert cross_entropy(x, y, reduction="sum").item() == 0.0


def test_weighted_mean_divides_by_the_weights_of_kept_targets() -> None:
    # by hand: loss_i = -w_{y_i} log p_{i,y_i}; uniform logits so log p = -log 3
    x = Tensor(np.zeros((3, 3)))
    w = np.array([1.0, 2.0, 5.0])
    y = np.array([0, 2, -100])
    loss = cross_entropy(x, y, weight=w)
    np.testing.assert_allclose(loss.item(), (1.0 + 5.0) * np.log(3) / (1.0 + 5.0))
    y = np.array([0, 2, 1])
    np.testing.assert_allclose(cross_entropy(x, y, weight=w).item(), np.log(3))


def test_loss_modules_match_functional_and_keep_weight_as_buffer() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    y = rng.integers(0, 3, (4, 2))
    w = np.array([0.5, 1.0, 2.0])
    mod = CrossEntropyLoss(weight=w, ignore_index=1, reduction="sum", label_smoothing=0.1)
    assert_close(mod(x, y), cross_entropy(x, y, w, 1, "sum", 0.1))
    assert "weight" in mod.state_dict()
    assert list(mod.parameters()) == []
    logp = x.log_softmax(1)
    assert_close(NLLLoss(weight=w)(logp, y), nll_loss(logp, y, w))
    assert_close(NLLLoss()(logp, y), tF.nll_loss(to_torch(logp), torch.tensor(y)))
    assert "reduction='sum'" in repr(mod)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda x: cross_entropy(x, np.array([0, 5, 1, 2])),
            IndexError,
            r"target index 5 is out of range for 3 classes \(valid: 0..2, or ignore_index=-100\)",
        ),
        (
            lambda x: nll_loss(x, np.array([0, -1, 1, 2])),
            IndexError,
            "target index -1 is out of range for 3 classes",
        ),
        (
            lambda x: cross_entropy(x, np.array([0, 1, 2])),
            ValueError,
            r"target shape \(3,\) does not match input shape \(4, 3\): expected class indices "
            r"of shape \(4,\) or class probabilities of shape \(4, 3\)",
        ),
        (
            lambda x: cross_entropy(x, np.ones((4, 2)) / 2),
            ValueError,
            r"target probabilities of shape \(4, 2\) do not match input shape \(4, 3\)",
        ),
        (
            lambda x: cross_entropy(x, np.zeros(4)),
            ValueError,
            r"class indices must have an integer dtype: use \.long\(\)",
        ),
        (
            lambda x: nll_loss(x, np.zeros(4)),
            TypeError,
            "expected class indices of integer dtype as target, got float64",
        ),
        (
            lambda x: cross_entropy(x, np.zeros(4, int), weight=np.ones(4)),
            ValueError,
            r"weight must have shape \(C,\) = \(3,\) .* got \(4,\)",
        ),
        (
            lambda x: cross_entropy(x, np.zeros(4, int), reduction="avg"),
            ValueError,
            "reduction must be one of 'mean', 'sum', 'none', got 'avg'",
        ),
        (
            lambda x: cross_entropy(x, np.zeros(4, int), label_smoothing=1.5),
            ValueError,
            r"label_smoothing must be in \[0, 1\], got 1.5",
        ),
        (lambda x: cross_entropy(x.sum(), np.array(0)), ValueError, "class dimension"),
        (lambda x: CrossEntropyLoss(reduction="batchmean"), ValueError, "got 'batchmean'"),
    ],
)
def test_bad_input_gives_clear_errors(call: Any, error: type, match: str) -> None:
    x = Tensor(np.zeros((4, 3)), requires_grad=True)
    with pytest.raises(error, match=match):
        call(x)


def test_every_option_combination_matches_torch() -> None:
    """All combinations, deterministically (hypothesis above samples them at random)."""

    rng = np.random.default_rng(7)
    for shape, reduction, weighted, ignore_index, eps in itertools.product(
        [(5, 4), (3, 4, 2, 2), (4,)], REDUCTIONS, [False, True], [-100, 1], [0.0, 0.25]
    ):
        x = Tensor(rng.standard_normal(shape) * 2, requires_grad=True)
        tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
        y = rng.integers(0, shape[-1] if len(shape) < 3 else shape[1], tshape)
        y.flat[0] = 0  # at least one kept target
        w = rng.uniform(0.5, 2.0, 4) if weighted else None
        kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=eps)
        loss = cross_entropy(x, y, weight=w, **kw)
        xt = to_torch(x)
        expected = tF.cross_entropy(xt, torch.tensor(y), weight=_torch_weight(w, np.float64), **kw)
        msg = f"shape {shape}, {kw}, weighted {weighted}"
        assert_close(loss, expected, msg=msg)
        g = rng.standard_normal(loss.shape)
        loss.backward(Tensor(g))
        expected.backward(torch.tensor(g))
        assert_close(x.grad, xt.grad, msg=msg)


def test_fused_op_equals_composite_and_has_second_derivatives() -> None:
    """The fused forward/backward against log_softmax + nll_loss, and double backward vs torch."""
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((5, 4, 3))
    y = rng.integers(0, 4, (5, 3))
    y[0, 0] = -100
    w = rng.uniform(0.5, 2.0, 4)
    x1, x2 = Tensor(x_np, requires_grad=True), Tensor(x_np, requires_grad=True)
    fused = cross_entropy(x1, y, weight=w)
    composite = nll_loss(x2.log_softmax(1), y, weight=w)
    assert_close(fused, composite)
    fused.backward()
    composite.backward()
    assert_close(x1.grad, x2.grad)

    # create_graph: d/dx of |dL/dx|^2, against torch
    x = Tensor(x_np, requires_grad=True)
    (gx,) = groundup.grad(cross_entropy(x, y, weight=w), [x], create_graph=True)
    (gx * gx).sum().backward()
    xt = to_torch(x)
    (gxt,) = torch.autograd.grad(
        tF.cross_entropy(xt, torch.tensor(y), weight=torch.tensor(w)), [xt], create_graph=True
    )
    (gxt * gxt).sum().backward()
    assert_close(gx, gxt)
    assert_close(x.grad, xt.grad)
