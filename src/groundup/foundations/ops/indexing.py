r"""Indexing and its adjoint, scatter-add.

Reading $y = x[\text{idx}]$ copies entries; an entry read $k$ times receives the sum of
the $k$ gradients: $\partial L/\partial x = \mathrm{scatter\_add}(0, \text{idx},
\partial L/\partial y)$. Scatter-add's own adjoint is indexing again, which is what makes
second derivatives work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray | list) for i in items)


class GetItem(Function):
    r"""$y = x[\text{idx}]$, basic (slices, ints, None, Ellipsis) or advanced (arrays) indexing."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, index: Any = None) -> np.ndarray:
        ctx.index = index
        try:
            return x[index]
        except IndexError as exc:
            raise IndexError(
                f"index {index!r} is invalid for a tensor of shape {x.shape}: {exc}"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return IndexAdd.apply(grad, shape=ctx.inputs[0].shape, index=ctx.index)


class IndexAdd(Function):
    r"""$z = 0_{\text{shape}}$ with $z[\text{idx}] \mathrel{+}= g$ (repeated indices add up)."""

    @staticmethod
    def forward(
        ctx: Node, g: np.ndarray, shape: tuple[int, ...] = (), index: Any = None
    ) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)
        else:  # basic indexing never reads an entry twice
            out[index] = g
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any]:
        return grad[ctx.index]


def _gather_index(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """Full coordinates of a gather: ``index`` along ``dim``, the position elsewhere."""
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    return tuple(coords)


class Gather(Function):
    r"""``torch.gather``: $y_{i,j,k} = x_{i,\,\text{index}_{i,j,k},\,k}$ for ``dim=1``.

    The adjoint scatters $\partial L/\partial y$ back to the gathered positions, adding
    where an index repeats.
    """

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, dim: int = 0, index: Any = None) -> np.ndarray:
        index = np.asarray(index)
        if index.ndim != x.ndim:
            raise ValueError(
                f"gather: index must have as many dims as the input ({x.ndim}), got shape {index.shape}"
            )
        if not np.issubdtype(index.dtype, np.integer):
            raise TypeError(f"gather: index must be an integer array, got {index.dtype}")
        dim = dim % x.ndim
        for d in range(x.ndim):
            if d != dim and index.shape[d] > x.shape[d]:
                raise ValueError(
                    f"gather: index shape {index.shape} exceeds input shape {x.shape} in dim {d}"
                )
        if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
            raise IndexError(
                f"gather: index out of range for dim {dim} of size {x.shape[dim]} "
                f"(min {index.min()}, max {index.max()})"
            )
        ctx.coords = _gather_index(index, dim)
        return x[ctx.coords]

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return IndexAdd.apply(grad, shape=ctx.inputs[0].shape, index=ctx.coords)
