r"""Reductions: sum and the max/min of a set (mean, var, std and max-with-index are composites).

Reducing over ``dim`` removes those axes unless ``keepdim``; the backward puts them back
(size 1) and broadcasts the gradient over them:
$\partial/\partial x_i \sum_j x_j = 1$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.utils.tensor_utils import normalize_axes


def reduction_axes(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` as sorted non-negative axes; a 0-d tensor accepts ``dim`` 0 or -1 and has none.

    ``None`` and, as in PyTorch, an empty tuple mean every axis.
    """
    if isinstance(dim, tuple | list) and len(dim) == 0:
        dim = None
    axes = normalize_axes(dim, ndim)
    return axes if ndim else ()


def _keepdim_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


class Sum(Function):
    r"""$y = \sum_{i \in \text{dim}} x_i$; $\partial y/\partial x_i = 1$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim: Any = None, keepdim: bool = False) -> np.ndarray:
        ctx.axes = reduction_axes(dim, x.ndim)
        ctx.keepdim = keepdim
        ctx.shape = x.shape
        return np.sum(x, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(ctx.shape, ctx.axes))
        return grad.expand(ctx.shape)


class AMax(Function):
    r"""$y = \max_{i \in \text{dim}} x_i$; the gradient is shared evenly among the maxima.

    $\partial y/\partial x_i = [x_i = y] / \#\{j : x_j = y\}$ (``torch.amax``).
    """

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim: Any = None, keepdim: bool = False) -> np.ndarray:
        if x.size == 0:
            raise ValueError("amax: cannot reduce an empty tensor")
        ctx.axes = reduction_axes(dim, x.ndim)
        ctx.keepdim = keepdim
        ctx.shape = x.shape
        out = np.max(x, axis=ctx.axes, keepdims=True)
        mask = x == out
        ctx.weight = mask / mask.sum(axis=ctx.axes, keepdims=True)
        return out if keepdim else out.reshape(np.delete(out.shape, ctx.axes))

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(ctx.shape, ctx.axes))
        return grad * ctx.weight.astype(grad.dtype)


class AMin(Function):
    r"""$y = \min_{i \in \text{dim}} x_i$; the gradient is shared evenly among the minima."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim: Any = None, keepdim: bool = False) -> np.ndarray:
        if x.size == 0:
            raise ValueError("amin: cannot reduce an empty tensor")
        ctx.axes = reduction_axes(dim, x.ndim)
        ctx.keepdim = keepdim
        ctx.shape = x.shape
        out = np.min(x, axis=ctx.axes, keepdims=True)
        mask = x == out
        ctx.weight = mask / mask.sum(axis=ctx.axes, keepdims=True)
        return out if keepdim else out.reshape(np.delete(out.shape, ctx.axes))

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(ctx.shape, ctx.axes))
        return grad * ctx.weight.astype(grad.dtype)
