r"""Numerically stable elementwise and reduction functions on NumPy arrays.

The naive formulas overflow: $e^{1000}$ is ``inf`` in float64 (and $e^{89}$ in
float32). Each function here is rewritten so that no intermediate overflows:

* log-sum-exp shifts by the maximum, $\log\sum_i e^{x_i} = m + \log\sum_i e^{x_i - m}$
  with $m = \max_i x_i$, so the largest exponent is $e^0 = 1$;
* softmax and log-softmax use the same shift;
* sigmoid uses $e^{-|x|} \le 1$ on either branch;
* softplus $\log(1 + e^x) = \max(x, 0) + \log(1 + e^{-|x|})$.

These are the NumPy kernels behind the autograd versions in ``groundup.nn.functional``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax", "softplus"]


def logsumexp(
    x: np.ndarray, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
) -> np.ndarray:
    r"""$\log \sum_i e^{x_i}$ over ``axis``, computed as $m + \log\sum_i e^{x_i - m}$.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # naive: inf
    1000.6931471805599
    """
    x = np.asarray(x)
    m = np.max(x, axis=axis, keepdims=True)
    # An all -inf slice has max -inf; shift by 0 there so we return -inf, not nan.
    m = np.where(np.isfinite(m), m, 0)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""$\mathrm{softmax}(x)_i = e^{x_i - m} / \sum_j e^{x_j - m}$ along ``axis``.

    >>> softmax(np.array([1e4, 0.0])).tolist()
    [1.0, 0.0]
    """
    x = np.asarray(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""$\log\mathrm{softmax}(x)_i = x_i - \log\sum_j e^{x_j}$ along ``axis``."""
    x = np.asarray(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    r"""$\sigma(x) = 1/(1+e^{-x})$ for $x \ge 0$ and $e^{x}/(1+e^{x})$ for $x < 0$.

    Both branches evaluate $z = e^{-|x|} \in (0, 1]$, so neither overflows.

    >>> sigmoid(np.array([-1e4, 0.0, 1e4])).tolist()
    [0.0, 0.5, 1.0]
    """
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(
        np.result_type(x, np.float32), copy=False
    )


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    r"""$\log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})$."""
    x = np.asarray(x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""$\frac1\beta\log(1 + e^{\beta x})$, stably $\max(\beta x,0) + \log(1+e^{-|\beta x|})$.

    As ``torch.nn.functional.softplus``, returns $x$ itself where $\beta x > $ ``threshold``.
    """
    x = np.asarray(x)
    bx = beta * x
    out = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    return np.where(bx > threshold, x, out).astype(np.result_type(x, np.float32), copy=False)
