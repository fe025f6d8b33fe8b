"""Stable math kernels against scipy.special and PyTorch: values, dtypes, no FP warnings."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup.utils.math_utils import (
    log_sigmoid,
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softplus,
)
from tests.helpers import assert_close

FUNCS = [softmax, log_softmax, logsumexp, sigmoid, log_sigmoid, softplus]


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    """A float32 or float64 array of 1-4 dims, values on a drawn scale up to 1e4."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([1.0, 30.0, 1e4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return (scale * rng.standard_normal(shape)).astype(dtype)


def _ref(x: np.ndarray, f, *args, **kw) -> np.ndarray:
    """A float64 reference computed by ``f``, cast back to ``x``'s dtype for comparison."""
    return np.asarray(f(x.astype(np.float64), *args, **kw)).astype(x.dtype)


@given(arrays(), st.data())
def test_softmax_and_log_softmax_match_scipy_and_torch(x: np.ndarray, data: st.DataObject) -> None:
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    y, log_y = softmax(x, axis=axis), log_softmax(x, axis=axis)
    assert y.dtype == x.dtype and log_y.dtype == x.dtype and y.shape == x.shape
    assert_close(y, _ref(x, sp.softmax, axis=axis))
    assert_close(log_y, _ref(x, sp.log_softmax, axis=axis))
    assert_close(y, torch.softmax(torch.from_numpy(x), dim=axis))
    assert_close(log_y, torch.log_softmax(torch.from_numpy(x), dim=axis))
    assert_close(y.sum(axis=axis), np.ones_like(y.sum(axis=axis)))


@given(arrays(), st.data(), st.booleans())
def test_logsumexp_matches_scipy_over_any_axes(
    x: np.ndarray, data: st.DataObject, keepdims: bool
) -> None:
    axes = data.draw(
        st.none()
        | st.integers(-x.ndim, x.ndim - 1)
        | st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True).map(tuple)
    )
    out = logsumexp(x, axis=axes, keepdims=keepdims)
    expected = _ref(x, sp.logsumexp, axis=axes, keepdims=keepdims)
    assert out.dtype == x.dtype
    assert_close(out, expected)


@given(arrays(), st.sampled_from([0.5, 1.0, 3.0, -1.0]), st.sampled_from([20.0, 5.0]))
def test_elementwise_functions_match_scipy_and_torch(
    x: np.ndarray, beta: float, threshold: float
) -> None:
    xt = torch.from_numpy(x)
    for f in (sigmoid, log_sigmoid, softplus):
        assert f(x).dtype == x.dtype
    assert_close(sigmoid(x), _ref(x, sp.expit))
    assert_close(log_sigmoid(x), _ref(x, sp.log_expit))
    assert_close(sigmoid(x), torch.sigmoid(xt))
    assert_close(log_sigmoid(x), torch.nn.functional.logsigmoid(xt))
    assert_close(
        softplus(x, beta=beta, threshold=threshold),
        torch.nn.functional.softplus(xt, beta=beta, threshold=threshold),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_no_overflow_nan_or_warning_at_magnitude_1e4(f, dtype) -> None:
    x = np.array([[-1e4, 1e4, 0.0, 1.0], [-1e4, -1e4, -1e4, 3.0]], dtype=dtype)
    with np.errstate(all="raise"):
        out = f(x, axis=-1) if f in (softmax, log_softmax, logsumexp) else f(x)
    assert out.dtype == dtype
    assert np.all(np.isfinite(out))


def test_large_inputs_give_the_exact_limits() -> None:
    x = np.array([-1e4, 1e4])
    assert sigmoid(x).tolist() == [0.0, 1.0]
    assert log_sigmoid(x).tolist() == [-1e4, 0.0]
    assert softplus(x).tolist() == [0.0, 1e4]
    assert logsumexp(np.array([1e4, 1e4])) == pytest.approx(1e4 + np.log(2), rel=1e-15)
    assert softmax(np.array([1e4, 1e4 - np.log(3)])).tolist() == pytest.approx([0.75, 0.25])


EDGE_ROWS = [
    [-np.inf, -np.inf, -np.inf],  # all -inf: logsumexp -inf, softmax nan (as PyTorch)
    [-np.inf, 0.0, 1.0],
    [np.inf, 0.0, 1.0],  # +inf: logsumexp inf, softmax nan (as PyTorch)
    [np.nan, 0.0, 1.0],  # nan propagates
    [-1e4, 1e4, 0.0],
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("row", EDGE_ROWS, ids=str)
def test_infinite_and_nan_inputs_match_torch_without_warnings(row, dtype) -> None:
    x = np.array([row, [0.0, 1.0, 2.0]], dtype=dtype)
    xt = torch.from_numpy(x)
    F = torch.nn.functional
    with np.errstate(all="raise"):
        pairs = [
            (logsumexp(x, axis=1), torch.logsumexp(xt, dim=1)),
            (softmax(x, axis=1), torch.softmax(xt, dim=1)),
            (log_softmax(x, axis=1), torch.log_softmax(xt, dim=1)),
            (sigmoid(x), torch.sigmoid(xt)),
            (log_sigmoid(x), F.logsigmoid(xt)),
            (softplus(x), F.softplus(xt)),
        ]
    for ours, ref in pairs:
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-6, equal_nan=True)
        assert np.isfinite(ours[1]).all()  # the ordinary row is unaffected
    if row[0] == -np.inf and row[1] == -np.inf:
        assert logsumexp(x, axis=1)[0] == -np.inf
        np.testing.assert_allclose(logsumexp(x, axis=1), sp.logsumexp(x.astype(float), axis=1))


def test_integer_input_becomes_float64() -> None:
    x = np.array([1, 2, 3])
    assert softmax(x).dtype == np.float64
    assert_close(softmax(x), sp.softmax(x.astype(float)))
    assert logsumexp(x).dtype == np.float64 and sigmoid(x).dtype == np.float64


def test_float64_beta_does_not_promote_float32() -> None:
    x = np.ones(3, dtype=np.float32)
    assert softplus(x, beta=np.float64(2.0)).dtype == np.float32


def test_empty_axis_and_bad_axis_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"logsumexp: cannot reduce over empty axis 1 .*\(2, 0\)"):
        logsumexp(np.zeros((2, 0)), axis=1)
    with pytest.raises(ValueError, match=r"softmax: cannot reduce over empty axis -1"):
        softmax(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"axis 2 is out of range for x of shape \(2, 0\)"):
        logsumexp(np.zeros((2, 0)), axis=2)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        softmax(np.zeros((2, 3)), axis=2)  # NumPy's own AxisError, a ValueError
    with pytest.raises(ValueError, match="beta must be non-zero"):
        softplus(np.zeros(2), beta=0.0)
    # Reducing over an axis that is not empty is fine even if another axis is.
    assert logsumexp(np.zeros((2, 0)), axis=0).shape == (0,)
