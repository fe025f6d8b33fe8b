r"""Numerically stable elementwise and reduction functions on NumPy arrays.

The naive formulas overflow: $e^{1000}$ is ``inf`` in float64 (and $e^{89}$ in
float32). Each function here is rewritten so that no intermediate overflows:

* log-sum-exp shifts by the maximum, $\log\sum_i e^{x_i} = m + \log\sum_i e^{x_i - m}$
  with $m = \max_i x_i$, so the largest exponent is $e^0 = 1$;
* softmax and log-softmax use the same shift;
* sigmoid uses $e^{-|x|} \le 1$ on either branch;
* softplus $\log(1 + e^x) = \max(x, 0) + \log(1 + e^{-|x|})$.

What remains is harmless *underflow* ($e^{-10^4}$ rounds to 0, which is the right
answer to working precision): it is silenced inside each function, so they run
cleanly even under ``np.errstate(all="raise")``. nan propagates.

Every function keeps a floating dtype (float32 in, float32 out) and turns integer
input into float64. These are the NumPy kernels behind the autograd versions in
``groundup.nn.functional``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax", "softplus"]

Axis = int | Sequence[int] | None


def _as_float(x: ArrayLike) -> np.ndarray:
    """``x`` as an array of a floating dtype (integers and booleans become float64)."""
    x = np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(np.float64)


def _check_reducible(x: np.ndarray, axis: Axis, name: str) -> None:
    """Raise a clear ``ValueError`` when ``axis`` of an empty ``x`` is empty (no maximum to shift by).

    Called only for empty ``x``, so the common case pays nothing.
    """
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    for a in axes:
        if not -x.ndim <= a < max(x.ndim, 1):
            raise ValueError(f"{name}: axis {a} is out of range for x of shape {x.shape}")
        if x.ndim and x.shape[a] == 0:
            raise ValueError(f"{name}: cannot reduce over empty axis {a} of x with shape {x.shape}")


def _shift(x: np.ndarray, axis: Axis, infinite: tuple[float, ...] = (-np.inf,)) -> np.ndarray:
    r"""The max shift $m = \max_i x_i$ (keepdims), with 0 where $m$ is in ``infinite``.

    For a slice that is all $-\infty$, $x - m$ would be $-\infty - (-\infty) = $ nan;
    shifting by 0 there instead keeps $e^{x - 0} = 0$. A slice holding $+\infty$ keeps
    $m = +\infty$ unless ``infinite`` lists it (log-sum-exp: the answer is $+\infty$;
    softmax: nan, as in PyTorch). A nan maximum stays, and so propagates.
    """
    m = np.max(x, axis=axis, keepdims=True)
    if np.isinf(m).any():
        m = np.where(np.isin(m, infinite), 0, m).astype(x.dtype, copy=False)
    return m


def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    r"""$\log \sum_i e^{x_i}$ over ``axis``, computed as $m + \log\sum_i e^{x_i - m}$.

    Parameters
    ----------
    x : array_like of any shape
    axis : int, tuple of int or None
        Axes to reduce (``None``: all of them).
    keepdims : bool
        Keep the reduced axes with size 1.

    Returns
    -------
    ndarray
        ``x``'s shape without ``axis`` (or with size 1 there if ``keepdims``). A slice
        that is all $-\infty$ gives $-\infty$; an empty axis is a ``ValueError``.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # naive: inf
    1000.6931471805599
    >>> float(logsumexp(np.array([-np.inf, -np.inf])))
    -inf
    """
    x = _as_float(x)
    if x.size == 0:
        _check_reducible(x, axis, "logsumexp")
    # BEGIN SOLUTION
    m = _shift(x, axis, infinite=(-np.inf, np.inf))
    # $\log 0 = -\infty$ for an all $-\infty$ slice is the right answer, not an error.
    with np.errstate(under="ignore", divide="ignore"):
        out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)
    # END SOLUTION


def softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""$\mathrm{softmax}(x)_i = e^{x_i - m} / \sum_j e^{x_j - m}$ along ``axis``.

    Parameters
    ----------
    x : array_like of any shape
    axis : int
        The axis that sums to one.

    Returns
    -------
    ndarray of the same shape and (floating) dtype as ``x``. A slice that is all
    $-\infty$ or holds $+\infty$ gives nan, as in PyTorch.

    >>> softmax(np.array([1e4, 0.0])).tolist()
    [1.0, 0.0]
    """
    x = _as_float(x)
    if x.size == 0:
        _check_reducible(x, axis, "softmax")
    # An all $-\infty$ slice is 0/0 and one with $+\infty$ is $\infty - \infty$: nan, as in PyTorch.
    # BEGIN SOLUTION
    with np.errstate(under="ignore", invalid="ignore"):
        # $e^{x_i - m} / \sum_j e^{x_j - m}$
        e = np.exp(x - _shift(x, axis))
        return e / np.sum(e, axis=axis, keepdims=True)
    # END SOLUTION


def log_softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""$\log\mathrm{softmax}(x)_i = x_i - \log\sum_j e^{x_j} = (x_i - m) - \log\sum_j e^{x_j - m}$.

    Parameters
    ----------
    x : array_like of any shape
    axis : int
        The axis over which $\sum_i e^{y_i} = 1$.

    Returns
    -------
    ndarray of the same shape and (floating) dtype as ``x``. A slice that is all
    $-\infty$ or holds $+\infty$ gives nan, as in PyTorch.

    >>> log_softmax(np.array([1e4, 0.0])).tolist()
    [0.0, -10000.0]
    """
    x = _as_float(x)
    if x.size == 0:
        _check_reducible(x, axis, "log_softmax")
    # An all $-\infty$ slice or one with $+\infty$ gives nan, as in PyTorch.
    # BEGIN SOLUTION
    with np.errstate(under="ignore", invalid="ignore", divide="ignore"):
        # $(x_i - m) - \log\sum_j e^{x_j - m}$
        d = x - _shift(x, axis)
        return d - np.log(np.sum(np.exp(d), axis=axis, keepdims=True))
    # END SOLUTION


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""$\sigma(x) = 1/(1+e^{-x})$ for $x \ge 0$ and $e^{x}/(1+e^{x})$ for $x < 0$.

    Both branches evaluate $z = e^{-|x|} \in (0, 1]$, so neither overflows.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and (floating) dtype as ``x``, values in $[0, 1]$.

    >>> sigmoid(np.array([-1e4, 0.0, 1e4])).tolist()
    [0.0, 0.5, 1.0]
    """
    x = _as_float(x)
    # BEGIN SOLUTION
    with np.errstate(under="ignore"):
        # $z = e^{-|x|}$
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    # END SOLUTION


def log_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""$\log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})$.

    The naive $\log(1/(1+e^{-x}))$ gives $\log 0 = -\infty$ for $x = -10^4$; the
    rewritten form gives $-10^4$.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and (floating) dtype as ``x``, values $\le 0$.

    >>> log_sigmoid(np.array([-1e4, 0.0])).tolist()
    [-10000.0, -0.6931471805599453]
    """
    x = _as_float(x)
    # BEGIN SOLUTION
    with np.errstate(under="ignore"):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    # END SOLUTION


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""$\frac1\beta\log(1 + e^{\beta x})$, stably $\frac1\beta(\max(\beta x,0) + \log(1+e^{-|\beta x|}))$.

    As ``torch.nn.functional.softplus``, returns $x$ itself where $\beta x > $ ``threshold``
    (there $\log(1 + e^{\beta x}) = \beta x$ to working precision).

    Parameters
    ----------
    x : array_like of any shape
    beta : float
        Sharpness $\beta \ne 0$ (negative allowed, as in PyTorch); $\beta \to \infty$
        approaches ReLU.
    threshold : float
        Above this value of $\beta x$ the function is linear.

    Returns
    -------
    ndarray of the same shape and (floating) dtype as ``x``, values $> 0$ (or $\ge 0$ in
    floating point).

    >>> softplus(np.array([-1e4, 0.0, 1e4])).tolist()
    [0.0, 0.6931471805599453, 10000.0]
    """
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero (the result is 1/beta * ...), got 0")
    x = _as_float(x)
    beta = x.dtype.type(beta)  # a float64 beta must not promote float32 x
    # BEGIN SOLUTION
    bx = beta * x
    # $\frac1\beta\left(\max(\beta x, 0) + \log(1 + e^{-|\beta x|})\right)$
    with np.errstate(under="ignore"):
        out = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    return np.where(bx > threshold, x, out)
    # END SOLUTION
