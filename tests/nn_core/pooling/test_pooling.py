"""Max/avg/adaptive pooling and upsampling against PyTorch: values and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.pooling.avgpool import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    adaptive_avg_pool2d,
    avg_pool2d,
)
from groundup.nn_core.pooling.maxpool import MaxPool2d, max_pool2d
from groundup.nn_core.pooling.upsample import Upsample, interpolate
from tests.helpers import assert_close, to_torch


def _check(fn, fn_t, x: np.ndarray) -> None:
    """Forward and the gradient of sum(y * r) equal torch's."""
    t = Tensor(x, requires_grad=True)
    y = fn(t)
    r = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    (y * Tensor(r)).sum().backward()
    xt = to_torch(t)
    yt = fn_t(xt)
    (yt * torch.from_numpy(r)).sum().backward()
    assert_close(y, yt, msg="forward")
    assert_close(t.grad, xt.grad, msg="input gradient")


@st.composite
def pool_cases(draw: st.DrawFn) -> dict:
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    # PyTorch: padding at most half the kernel
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    H = max(1, dh * (kh - 1) + 1 - 2 * ph + draw(st.integers(0, 6)))
    W = max(1, dw * (kw - 1) + 1 - 2 * pw + draw(st.integers(0, 6)))
    return {
        "shape": (draw(st.integers(1, 2)), draw(st.integers(1, 3)), H, W),
        "kwargs": {"kernel_size": (kh, kw), "stride": stride, "padding": (ph, pw), "ceil_mode": draw(st.booleans())},
        "dilation": (dh, dw),
        "seed": draw(st.integers(0, 2**16)),
        "ties": draw(st.booleans()),
    }  # fmt: skip


def _every_window_reads_a_pixel(case: dict) -> bool:
    """With dilation, a window can fall entirely on padding (PyTorch's CPU kernel crashes)."""
    from groundup.nn_core.pooling.maxpool import pool2d_geometry

    kw = case["kwargs"]
    g = pool2d_geometry(
        case["shape"],
        kw["kernel_size"],
        kw["stride"],
        kw["padding"],
        case["dilation"],
        kw["ceil_mode"],
        "t",
    )
    for n, n_out, k, s, p, d in zip(
        g.image_size, g.out_size, g.kernel_size, g.stride, g.padding[::2], g.dilation
    ):
        taps = np.arange(n_out)[:, None] * s - p + d * np.arange(k)[None, :]
        if not np.all(((taps >= 0) & (taps < n)).any(axis=1)):
            return False
    return True


@given(pool_cases())
def test_max_pool2d_matches_torch(case: dict) -> None:
    assume(_every_window_reads_a_pixel(case))
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"])
    if case["ties"]:  # few distinct values: many windows hold several equal maxima
        x = np.round(x)
    kwargs = {**case["kwargs"], "dilation": case["dilation"]}
    _check(lambda t: max_pool2d(t, **kwargs), lambda t: F.max_pool2d(t, **kwargs), x)
    _, idx = max_pool2d(Tensor(x), return_indices=True, **kwargs)
    _, idx_t = F.max_pool2d(torch.from_numpy(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(idx.data, idx_t.numpy())


@given(pool_cases(), st.booleans(), st.sampled_from([None, 3]))
def test_avg_pool2d_matches_torch(case: dict, count_include_pad: bool, divisor: int | None) -> None:
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"])
    kwargs = {**case["kwargs"], "count_include_pad": count_include_pad, "divisor_override": divisor}
    _check(lambda t: avg_pool2d(t, **kwargs), lambda t: F.avg_pool2d(t, **kwargs), x)


@given(
    st.integers(1, 9), st.integers(1, 9),
    st.one_of(st.integers(1, 9), st.tuples(st.one_of(st.none(), st.integers(1, 9)), st.integers(1, 9))),
    st.integers(0, 2**16),
)  # fmt: skip
def test_adaptive_avg_pool2d_matches_torch(H: int, W: int, output_size, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((2, 3, H, W))
    _check(
        lambda t: adaptive_avg_pool2d(t, output_size),
        lambda t: F.adaptive_avg_pool2d(t, output_size),
        x,
    )


@given(
    st.integers(1, 7), st.integers(1, 7),
    st.one_of(
        st.tuples(st.integers(1, 12), st.integers(1, 12)).map(lambda s: {"size": s}),
        st.sampled_from([2, 3, 0.5, 1.5, 2.7, (2, 1.25)]).map(lambda s: {"scale_factor": s}),
    ),
    st.sampled_from([("nearest", None), ("bilinear", False), ("bilinear", True)]),
    st.integers(0, 2**16),
)  # fmt: skip
def test_interpolate_matches_torch(H: int, W: int, size_kw: dict, mode_corners, seed: int) -> None:
    mode, align_corners = mode_corners
    sf = size_kw.get("scale_factor")
    # torch rejects an empty output too
    assume(sf is None or min(np.floor(np.multiply((H, W), sf))) >= 1)
    x = np.random.default_rng(seed).standard_normal((2, 2, H, W))
    kwargs = {**size_kw, "mode": mode, "align_corners": align_corners}
    _check(lambda t: interpolate(t, **kwargs), lambda t: F.interpolate(t, **kwargs), x)


def test_pooling_float32_matches_torch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    _check(lambda t: max_pool2d(t, 3, 2, 1), lambda t: F.max_pool2d(t, 3, 2, 1), x)
    _check(lambda t: avg_pool2d(t, 3, 2, 1), lambda t: F.avg_pool2d(t, 3, 2, 1), x)
    _check(lambda t: adaptive_avg_pool2d(t, (4, 3)), lambda t: F.adaptive_avg_pool2d(t, (4, 3)), x)
    _check(
        lambda t: interpolate(t, scale_factor=2, mode="bilinear", align_corners=False),
        lambda t: F.interpolate(t, scale_factor=2, mode="bilinear", align_corners=False),
        x,
    )


def test_max_pool_gradient_goes_to_the_first_of_tied_maxima() -> None:
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    assert x.grad.data.ravel().tolist() == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: max_pool2d(t, 3, 2, 1),
        lambda t: avg_pool2d(t, 3, 2, 1, count_include_pad=False),
        lambda t: adaptive_avg_pool2d(t, (2, 3)),
        lambda t: interpolate(t, scale_factor=2, mode="nearest"),
        lambda t: interpolate(t, size=(7, 4), mode="bilinear", align_corners=True),
    ],
)
def test_pooling_finite_differences(fn) -> None:
    # distinct values, so the maxima are strict and max pooling is differentiable here
    x = Tensor(
        np.random.default_rng(0).permutation(50).reshape(1, 2, 5, 5) / 10.0, requires_grad=True
    )
    report = gradient_check(fn, [x])
    assert report.passed, str(report)


def test_layers_equal_their_functions() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    xt = torch.from_numpy(x)
    assert_close(MaxPool2d(2)(Tensor(x)), torch.nn.MaxPool2d(2)(xt))
    assert_close(AvgPool2d(3, 2, 1)(Tensor(x)), torch.nn.AvgPool2d(3, 2, 1)(xt))
    assert_close(AdaptiveAvgPool2d((1, 1))(Tensor(x)), torch.nn.AdaptiveAvgPool2d((1, 1))(xt))
    assert_close(Upsample(scale_factor=2)(Tensor(x)), torch.nn.Upsample(scale_factor=2)(xt))


def test_pooling_errors_are_clear() -> None:
    x = Tensor(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"padding .* at most half"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(
        ValueError, match=r"input of spatial size \(4, 4\).*smaller than the kernel \(5, 5\)"
    ):
        avg_pool2d(x, 5)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        interpolate(x)
    with pytest.raises(ValueError, match="align_corners can only be set"):
        interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="mode must be one of"):
        interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="output_size must be positive"):
        adaptive_avg_pool2d(x, 0)


def _check_max_pool(x: np.ndarray, g: np.ndarray | None = None, **kwargs) -> None:
    """Values, the input gradient of sum(y * g) and the indices equal torch's."""
    t = Tensor(x, requires_grad=True)
    y, idx = max_pool2d(t, return_indices=True, **kwargs)
    if g is None:
        g = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    y.backward(Tensor(g))
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt, idx_t = F.max_pool2d(xt, return_indices=True, **kwargs)
    yt.backward(torch.from_numpy(np.ascontiguousarray(g)))
    assert_close(y, yt, msg="forward")
    np.testing.assert_array_equal(idx.data, idx_t.numpy())
    assert_close(t.grad, xt.grad, msg="input gradient")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3, "stride": 2, "padding": 1},  # overlapping, padded
        {"kernel_size": 3, "stride": 1},  # every pixel in up to nine windows
        {"kernel_size": 2, "stride": 1, "ceil_mode": True},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": (2, 3), "stride": (2, 1), "dilation": (1, 2)},
        {"kernel_size": 2},  # non-overlapping, an odd size leaves a row and a column out
    ],
)
@pytest.mark.parametrize("values", ["distinct", "ties", "constant"])
def test_max_pool_named_cases_match_torch(kwargs: dict, values: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 9))
    if values == "ties":  # several equal maxima per window; overlapping windows share them
        x = np.round(x)
    elif values == "constant":  # every tap ties: the first tap of each window takes it
        x = np.ones_like(x)
    _check_max_pool(x, **kwargs)


def test_max_pool_nan_is_the_maximum_and_the_last_nan_takes_the_gradient() -> None:
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6))
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = np.nan  # two NaNs in one 2x2 window: the last wins
    x[0, 1, 2, 3] = np.nan
    _check_max_pool(x, kernel_size=2)
    _check_max_pool(x, kernel_size=3, stride=1, padding=1)


def test_max_pool_window_of_minus_inf_next_to_padding_points_inside() -> None:
    # torch starts each window's argmax at its first real pixel, never at the padding
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 3, 3] = 1.0
    _check_max_pool(x, kernel_size=3, stride=2, padding=1)
    _check_max_pool(x, kernel_size=3, stride=1, padding=1, dilation=1)


def test_max_pool_non_finite_gradient_stays_at_the_maximum() -> None:
    # a masked product [tap = t] * g would turn 0 * inf into NaN at the other taps
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 4))
    g = np.array([[[[np.inf, 1.0], [np.nan, -np.inf]]]])
    _check_max_pool(x, g, kernel_size=2)
    _check_max_pool(x, np.full((1, 1, 2, 2), np.inf), kernel_size=3, stride=1)


@pytest.mark.parametrize("grad_layout", ["NCHW", "channels-last"])
def test_max_pool_of_a_channels_last_input_matches_torch(grad_layout: str) -> None:
    # a conv's output is stored (N, H, W, C); the gradient may come in either layout
    rng = np.random.default_rng(0)
    x = np.ascontiguousarray(rng.standard_normal((2, 6, 5, 3)).astype(np.float32))
    x = x.transpose(0, 3, 1, 2)  # (N, C, H, W) view, channels-last in memory
    g = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)
    if grad_layout == "channels-last":
        g = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    for kwargs in [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1}]:
        y = max_pool2d(Tensor(x), **kwargs)
        gg = g if y.shape == g.shape else rng.standard_normal(y.shape).astype(np.float32)
        _check_max_pool(x, gg, **kwargs)


def test_max_pool_second_derivative_matches_torch() -> None:
    # d/dg of <grad_x(sum(y * g)), r> is r read at the maxima: the gather again
    from groundup import grad

    rng = np.random.default_rng(0)
    x, r = rng.standard_normal((2, 2, 7, 7)), rng.standard_normal((2, 2, 7, 7))
    g0 = rng.standard_normal((2, 2, 4, 4))
    t, g = Tensor(x, requires_grad=True), Tensor(g0, requires_grad=True)
    (gx,) = grad((max_pool2d(t, 3, 2, 1) * g).sum(), t, create_graph=True)
    (gx * Tensor(r)).sum().backward()
    xt, gt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g0).requires_grad_()
    (gxt,) = torch.autograd.grad((F.max_pool2d(xt, 3, 2, 1) * gt).sum(), xt, create_graph=True)
    (gxt * torch.from_numpy(r)).sum().backward()
    assert_close(gx, gxt, msg="first derivative")
    assert_close(g.grad, gt.grad, msg="second derivative")
