r"""Movement ops: reshape, permute, expand (broadcast) and its adjoint, concatenate, pad
(and the two value-preserving copies, clone and dtype cast).

None of these changes a value, only where it sits, so each backward moves the gradient
back: reshape back, apply the inverse permutation, sum over expanded axes, split, crop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.utils.tensor_utils import sum_to_shape


class Reshape(Function):
    r"""$y = \mathrm{reshape}(x)$; the gradient is reshaped back to $x$'s shape."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.reshape(x, shape)
        except ValueError:
            raise ValueError(
                f"reshape: shape {tuple(shape)} is invalid for a tensor of shape {x.shape} "
                f"({x.size} elements)"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad.reshape(ctx.shape)


class Clone(Function):
    r"""$y = x$ in new memory; the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad


class Cast(Function):
    r"""$y = x$ in another floating dtype; the gradient is cast back to $x$'s dtype."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dtype: Any = None) -> np.ndarray:
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad.astype(ctx.dtype)


class Permute(Function):
    r"""$y = x$ with axes reordered by ``dims``; the gradient uses the inverse permutation."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dims: tuple[int, ...] = ()) -> np.ndarray:
        if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of {x.ndim} axes")
        ctx.dims = tuple(d % max(x.ndim, 1) for d in dims)
        return np.transpose(x, ctx.dims)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad.permute(*np.argsort(ctx.dims).tolist())


class Transpose(Function):
    r"""$y = x$ with axes ``dim0`` and ``dim1`` swapped; its own adjoint (swap them back)."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim0: int = -2, dim1: int = -1) -> np.ndarray:
        ctx.dims = (dim0, dim1)
        try:
            return np.swapaxes(x, dim0, dim1)
        except ValueError:  # numpy's AxisError
            raise IndexError(
                f"transpose: dims ({dim0}, {dim1}) are out of range for a tensor of shape {x.shape}"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad.transpose(*ctx.dims)


class Expand(Function):
    r"""Broadcast $x$ to ``shape`` (no copy); the adjoint sums over the stretched axes."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(
                f"expand: shape {x.shape} cannot be expanded to {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return SumToShape.apply(grad, shape=ctx.shape)


class SumToShape(Function):
    r"""Sum $g$ over the axes a broadcast to $g$'s shape added; the adjoint of :class:`Expand`.

    This is the one place where the engine undoes broadcasting
    (:func:`groundup.utils.tensor_utils.sum_to_shape`).
    """

    @staticmethod
    def forward(ctx: Node, g: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = g.shape
        return sum_to_shape(g, shape)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad.expand(ctx.shape)


class Cat(Function):
    r"""Concatenate along ``dim``; the gradient is split back into the inputs' sizes."""

    @staticmethod
    def forward(ctx: Node, *xs: np.ndarray, dim: int = 0) -> np.ndarray:
        try:
            out = np.concatenate(xs, axis=dim)
        except ValueError:
            shapes = ", ".join(str(np.shape(x)) for x in xs)
            raise ValueError(
                f"cat: all shapes must match except in dim {dim}, got {shapes}"
            ) from None
        ctx.dim = dim % out.ndim
        ctx.sizes = [np.shape(x)[ctx.dim] for x in xs]
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        out = []
        start = 0
        for size, needs in zip(ctx.sizes, ctx.needs_input_grad):
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            out.append(grad[index] if needs else None)
            start += size
        return tuple(out)


class Pad(Function):
    r"""Constant padding, ``F.pad`` order: ``(left_last, right_last, left_2nd_last, ...)``.

    The gradient is the gradient of the output cropped back to the input.
    """

    @staticmethod
    def forward(
        ctx: Node, x: np.ndarray, pad: Sequence[int] = (), value: float = 0.0
    ) -> np.ndarray:
        if len(pad) % 2 or len(pad) // 2 > x.ndim:
            raise ValueError(
                f"pad: expected an even number of pads for at most {x.ndim} dims, got {tuple(pad)}"
            )
        if any(p < 0 for p in pad):
            raise ValueError(f"pad: negative padding is not supported, got {tuple(pad)}")
        width = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            width[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(width, x.shape))
        return np.pad(x, width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad[ctx.crop]
