r"""Fused primitives, kept whole for numerical stability and speed.

Written as compositions (``x - x.exp().sum().log()``) these would overflow; the fused
forward uses the max shift of :mod:`groundup.utils.math_utils`, and the backward has a
closed form:

* $y = \log\mathrm{softmax}(x)$: $\partial L/\partial x = g - e^{y} \sum_j g_j$;
* $y = \mathrm{softmax}(x)$: $\partial L/\partial x = y \odot (g - \sum_j g_j y_j)$.

Tests check each against the composite on inputs where the composite is safe.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.utils import math_utils


class LogSoftmaxFunction(Function):
    r"""$y_i = x_i - \log\sum_j e^{x_j}$ along ``dim``; $\bar x = g - e^{y}\sum_j g_j$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim: int = -1) -> np.ndarray:
        # BEGIN SOLUTION
        ctx.dim = dim
        return math_utils.log_softmax(x, axis=dim)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad - ctx.output.exp() * grad.sum(dim=ctx.dim, keepdim=True)
        # END SOLUTION


class SoftmaxFunction(Function):
    r"""$y_i = e^{x_i}/\sum_j e^{x_j}$ along ``dim``; $\bar x = y \odot (g - \sum_j g_j y_j)$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim: int = -1) -> np.ndarray:
        # BEGIN SOLUTION
        ctx.dim = dim
        return math_utils.softmax(x, axis=dim)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        y = ctx.output
        return y * (grad - (grad * y).sum(dim=ctx.dim, keepdim=True))
        # END SOLUTION
