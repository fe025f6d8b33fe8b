r"""Regression losses: mean squared error, L1, Huber and smooth L1.

With the residual $d = x - y$ (prediction minus target), elementwise:

$$\begin{aligned}
\text{MSE:}\quad & \ell = d^2 \\
\text{L1:}\quad & \ell = |d| \\
\text{Huber}_\delta:\quad & \ell = \begin{cases} \tfrac12 d^2 & |d| < \delta \\
  \delta\,(|d| - \tfrac12\delta) & \text{otherwise} \end{cases} \\
\text{smooth L1}_\beta:\quad & \ell = \begin{cases} \tfrac12 d^2/\beta & |d| < \beta \\
  |d| - \tfrac12\beta & \text{otherwise} \end{cases}
\end{aligned}$$

then ``reduction`` (mean by default). MSE is the negative log-likelihood of a Gaussian
(up to constants) and punishes outliers quadratically; L1 (a Laplace likelihood) is
robust to them but has a kink at 0; Huber is quadratic near 0 and linear beyond $\delta$,
so an outlier's gradient is bounded by $\delta$. Smooth L1 is Huber divided by $\beta$
($\text{smooth L1}_\beta = \text{Huber}_\beta / \beta$).

Unlike PyTorch, which only warns, a target whose shape differs from the input's is an
error: ``mse_loss`` of predictions ``(N, 1)`` against targets ``(N,)`` would broadcast
to ``(N, N)``.

>>> import numpy as np
>>> from groundup import Tensor
>>> x, y = Tensor(np.array([0.0, 2.0, 5.0])), Tensor(np.array([0.5, 2.0, 1.0]))
>>> float(mse_loss(x, y)), float(l1_loss(x, y)), float(huber_loss(x, y))
(5.416666666666667, 1.5, 1.2083333333333333)
"""

from __future__ import annotations

from typing import Any

from groundup.foundations.computational_graph import Tensor, where
from groundup.optimization.losses.loss import (
    _Loss,
    as_tensor,
    check_reduction,
    check_same_shape,
    reduce,
)


def _residual(input: Tensor, target: Any, fn: str, reduction: str) -> Tensor:
    r"""$d = x - y$, after checking ``reduction`` and the shapes."""
    check_reduction(reduction, fn)
    target = as_tensor(target, like=input)
    check_same_shape(input, target, fn)
    return input - target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    r"""Mean squared error $\ell = (x - y)^2$, reduced.

    Parameters
    ----------
    input : Tensor of any shape
        Predictions $x$.
    target : Tensor or array, same shape
        Targets $y$.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses (input's shape) for ``"none"``.
    """
    d = _residual(input, target, "mse_loss", reduction)
    # BEGIN SOLUTION
    # $\ell = d^2$
    return reduce(d * d, reduction)
    # END SOLUTION


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error $\ell = |x - y|$, reduced (shapes as :func:`mse_loss`)."""
    d = _residual(input, target, "l1_loss", reduction)
    # BEGIN SOLUTION
    # $\ell = |d|$
    return reduce(d.abs(), reduction)
    # END SOLUTION


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r"""Huber loss: $\frac12 d^2$ for $|d| < \delta$, $\delta(|d| - \frac12\delta)$ beyond.

    Shapes as :func:`mse_loss`; ``delta`` $> 0$.
    """
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = _residual(input, target, "huber_loss", reduction)
    # BEGIN SOLUTION
    a = d.abs()
    # $\ell = \frac12 d^2$ if $|d| < \delta$ else $\delta(|d| - \frac12\delta)$
    loss = where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return reduce(loss, reduction)
    # END SOLUTION


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    r"""Smooth L1: $\frac12 d^2/\beta$ for $|d| < \beta$, $|d| - \frac12\beta$ beyond ($\beta = 0$: L1).

    Shapes as :func:`mse_loss`; ``beta`` $\ge 0$.
    """
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = _residual(input, target, "smooth_l1_loss", reduction)
    # BEGIN SOLUTION
    a = d.abs()
    if beta == 0:
        return reduce(a, reduction)
    # $\ell = \frac12 d^2 / \beta$ if $|d| < \beta$ else $|d| - \frac12\beta$
    loss = where(a.data < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return reduce(loss, reduction)
    # END SOLUTION


class MSELoss(_Loss):
    r"""$\ell = (x - y)^2$, reduced (``torch.nn.MSELoss``). See :func:`mse_loss`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    r"""$\ell = |x - y|$, reduced (``torch.nn.L1Loss``). See :func:`l1_loss`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    r"""Huber loss with threshold $\delta$ (``torch.nn.HuberLoss``). See :func:`huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    r"""Smooth L1 with threshold $\beta$ (``torch.nn.SmoothL1Loss``). See :func:`smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


__all__ = [
    "HuberLoss",
    "L1Loss",
    "MSELoss",
    "SmoothL1Loss",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "smooth_l1_loss",
]
