r"""Indexing and its adjoint, scatter-add.

Reading $y = x[\text{idx}]$ copies entries; an entry read $k$ times receives the sum of
the $k$ gradients: $\partial L/\partial x = \mathrm{scatter\_add}(0, \text{idx},
\partial L/\partial y)$. Scatter-add's own adjoint is indexing again, which is what makes
second derivatives work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray | list) for i in items)


class GetItem(Function):
    r"""$y = x[\text{idx}]$, basic (slices, ints, None, Ellipsis) or advanced (arrays) indexing."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, index: Any = None) -> np.ndarray:
        ctx.index = index
        ctx.shape = x.shape
        try:
            return x[index]
        except IndexError as exc:
            raise IndexError(
                f"index {index!r} is invalid for a tensor of shape {x.shape}: {exc}"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return IndexAdd.apply(grad, shape=ctx.shape, index=ctx.index)


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


class SetItem(Function):
    r"""$y = x$ with $y[\text{idx}] = v$; $\partial L/\partial x = g$ with $g[\text{idx}] = 0$,
    $\partial L/\partial v = g[\text{idx}]$ (summed to $v$'s shape by the engine).

    ``x[idx] = v`` on a tensor in the graph records this op (``inplace=True`` writes into
    ``x``'s own memory instead of a copy; only the in-place methods of `Tensor` pass it).
    """

    @staticmethod
    def forward(
        ctx: Node, x: np.ndarray, value: Any, index: Any = None, inplace: bool = False
    ) -> np.ndarray:
        ctx.index = index
        ctx.value_ndim = np.ndim(value)
        out = x if inplace else x.copy()
        try:
            try:
                out[index] = value
            except ValueError:  # PyTorch drops a value's leading size-1 axes ((1,) into a slot)
                lead = next((i for i, n in enumerate(np.shape(value)) if n != 1), np.ndim(value))
                out[index] = np.reshape(value, np.shape(value)[lead:])
        except (IndexError, ValueError) as exc:
            raise type(exc)(
                f"cannot assign a value of shape {np.shape(value)} to index {index!r} of a "
                f"tensor of shape {x.shape}: {exc}"
            ) from None
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        need_x, need_v = ctx.needs_input_grad
        gx = SetItem.apply(grad, 0.0, index=ctx.index) if need_x else None
        gv = None
        if need_v:
            gv = grad[ctx.index]
            if gv.ndim < ctx.value_ndim:  # the leading size-1 axes the value had
                gv = gv.reshape((1,) * (ctx.value_ndim - gv.ndim) + gv.shape)
        return gx, gv


class _PieceGradients:
    """The gradient buffer the pieces of one split write into (see :class:`SplitPiece`)."""

    __slots__ = ("buffer",)

    def __init__(self) -> None:
        self.buffer: np.ndarray | None = None


class SplitCollect(Function):
    r"""$y = x$: the single input of all the pieces of a split; passes on their one gradient."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, sink: Any = None) -> np.ndarray:
        ctx.sink = sink
        return x.view()  # a view: the pieces share x's version counter

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        ctx.sink.buffer = None  # ready for another backward (retain_graph)
        return grad


class SplitPiece(Function):
    r"""$y = x[\text{idx}]$ for one of several disjoint pieces of $x$ (split, unbind, chunk).

    Slicing each of $T$ pieces separately costs $O(T^2)$ in backward: every piece's
    gradient is a full-size array of zeros. Here the first piece to run its backward
    allocates one zero array and returns it as the gradient of $x$; every other piece
    writes its slice into that same array and returns nothing. The engine runs a node
    only after all its consumers (topological order), so the array is complete when
    :class:`SplitCollect` passes it on: $O(T)$ in all. A recorded backward
    (``create_graph=True``) uses the ordinary, differentiable scatter instead.
    """

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, index: Any = None, sink: Any = None) -> np.ndarray:
        ctx.index, ctx.sink, ctx.shape = index, sink, x.shape
        return x[index]

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        if is_grad_enabled():
            return IndexAdd.apply(grad, shape=ctx.shape, index=ctx.index)
        sink = ctx.sink
        first = sink.buffer is None
        if first:
            sink.buffer = np.zeros(ctx.shape, dtype=grad.data.dtype)
        sink.buffer[ctx.index] = grad.data
        return type(grad)._make(sink.buffer, False) if first else None


def split_pieces(x: Any, indices: Any) -> tuple[Any, ...]:
    """``x[index]`` for each of the disjoint ``indices``, with an $O(T)$ backward in all."""
    sink = _PieceGradients()
    whole = SplitCollect.apply(x, sink=sink)
    return tuple(SplitPiece.apply(whole, index=i, sink=sink) for i in indices)


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
        ctx.shape = x.shape
        return x[ctx.coords]

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return IndexAdd.apply(grad, shape=ctx.shape, index=ctx.coords)
