r"""The `Tensor`: an ``np.ndarray`` plus the graph that produced it.

A tensor created by the user with ``requires_grad=True`` is a *leaf*. Every operation on
tensors is a :class:`~groundup.foundations.autograd.Function`; when an input requires a
gradient, the result records that function (``grad_fn``) and its inputs. Calling
``loss.backward()`` walks this graph from the loss back to the leaves and accumulates
$\partial\,\mathrm{loss}/\partial\,\mathrm{leaf}$ into each leaf's ``.grad``.

Names and semantics follow PyTorch: ``dim``/``keepdim``, ``.grad``, ``.detach()``,
``.item()``, ``backward(gradient, retain_graph, create_graph)``.

>>> from groundup import Tensor
>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()          # y = sum x_i^2
>>> y.backward()
>>> x.grad.tolist()            # dy/dx = 2x
[2.0, 4.0, 6.0]
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations import autograd
from groundup.foundations.inplace import InPlaceOps
from groundup.foundations.ops.arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from groundup.foundations.ops.elementwise import (  # noqa: F401
    Abs,
    Clip,
    Exp,
    Log,
    Maximum,
    Minimum,
    ReLUFunction,
    SigmoidFunction,
    Sqrt,
    StdSqrt,
    TanhFunction,
    Where,
    maximum,
    minimum,
    where,
)
from groundup.foundations.ops.fused import LogSoftmaxFunction, SoftmaxFunction
from groundup.foundations.ops.indexing import Gather, GetItem, SetItem, split_pieces
from groundup.foundations.ops.join import cat, pad, stack  # noqa: F401  (public here)
from groundup.foundations.ops.reduction import AMax, AMin, Sum, reduction_axes
from groundup.foundations.ops.shape import (
    Cast,
    Clone,
    Expand,
    Permute,
    Reshape,
    SumToShape,
    Transpose,
)
from groundup.foundations.tensor_args import _as_array, _correction, _index_arg, _shape_arg
from groundup.utils.tensor_utils import normalize_axes

MaxResult = namedtuple("MaxResult", ["values", "indices"])


class Tensor(InPlaceOps, autograd.TensorBase):
    """An n-dimensional array that records the operations applied to it.

    Parameters
    ----------
    data : array_like
        The values. Python floats become float32 (PyTorch's default); NumPy arrays keep
        their dtype (use float64 for gradient checks).
    requires_grad : bool
        Whether ``backward`` should compute the gradient with respect to this tensor.
    dtype : numpy dtype, optional
        Convert ``data`` to this dtype.
    """

    __slots__ = ()  # the fields are autograd.TensorBase's
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected op

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data: np.ndarray = _as_array(data, dtype)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only tensors of floating point dtype can require gradients, got {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad: Tensor | None = None
        self.grad_fn: autograd.Node | None = None
        self._retains_grad = False
        # version counter, shared by the tensors on the same memory (created when needed)
        self._vc: list[int] | None = None
        # None, or this tensor views another's memory: (base, index) for a slice, else ()
        self._view: tuple[Any, ...] | None = None
        self._rebases: list[tuple[int, Tensor]] | None = None

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """All axes reversed (the matrix transpose for 2-D)."""
        if self.ndim < 2:
            return self
        if self.ndim == 2:
            return Transpose.apply(self, dim0=0, dim1=1)
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped: a batch of transposed matrices."""
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ------------------------------------------------------------------ autograd
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Tensor] | None = None,
    ) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of every leaf (or of ``inputs``)."""
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow through it (``torch.clone``)."""
        return Clone.apply(self)

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory and version counter, as in PyTorch)."""
        out = Tensor._make(self.data, False)
        if self._vc is None:
            self._vc = [0]
        out._vc = self._vc
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(
                f"only tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        self._retains_grad = True

    # ------------------------------------------------------------------ conversion
    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item(): a tensor with {self.data.size} elements cannot be converted to a scalar"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def astype(self, dtype: Any) -> Tensor:
        """A copy in ``dtype``; differentiable between floating dtypes."""
        if self.dtype == dtype:
            return self
        if self.requires_grad and np.issubdtype(np.dtype(dtype), np.floating):
            return Cast.apply(self, dtype=np.dtype(dtype))
        return Tensor._make(self.data.astype(dtype), False)

    def to(self, dtype: Any) -> Tensor:
        return self.astype(dtype)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return MatMul.apply(self, other if isinstance(other, Tensor) else _as_array(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return MatMul.apply(_as_array(other), self)

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def neg(self) -> Tensor:
        return Neg.apply(self)

    def add(self, other: Any) -> Tensor:
        return Add.apply(self, other)

    def sub(self, other: Any) -> Tensor:
        return Sub.apply(self, other)

    def mul(self, other: Any) -> Tensor:
        return Mul.apply(self, other)

    def div(self, other: Any) -> Tensor:
        return Div.apply(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return Pow.apply(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    # ------------------------------------------------------------------ comparisons (no grad)
    def _cmp(self, op: Any, other: Any) -> Tensor:
        return Tensor._make(
            op(self.data, other.data if isinstance(other, Tensor) else other), False
        )

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._cmp(np.equal, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._cmp(np.not_equal, other)

    def __lt__(self, other: Any) -> Tensor:
        return self._cmp(np.less, other)

    def __le__(self, other: Any) -> Tensor:
        return self._cmp(np.less_equal, other)

    def __gt__(self, other: Any) -> Tensor:
        return self._cmp(np.greater, other)

    def __ge__(self, other: Any) -> Tensor:
        return self._cmp(np.greater_equal, other)

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return Exp.apply(self)

    def log(self) -> Tensor:
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        return Sqrt.apply(self)

    def abs(self) -> Tensor:
        return Abs.apply(self)

    def tanh(self) -> Tensor:
        return TanhFunction.apply(self)

    def sigmoid(self) -> Tensor:
        return SigmoidFunction.apply(self)

    def relu(self) -> Tensor:
        return ReLUFunction.apply(self)

    def maximum(self, other: Any) -> Tensor:
        return Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        return Minimum.apply(self, other)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clip: at least one of min and max must be given")
        return Clip.apply(self, min=min, max=max)

    clamp = clip

    def log_softmax(self, dim: int = -1) -> Tensor:
        return LogSoftmaxFunction.apply(self, dim=dim)

    def softmax(self, dim: int = -1) -> Tensor:
        return SoftmaxFunction.apply(self, dim=dim)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        r"""$\bar x = \frac1N \sum_i x_i$ over the ``dim`` axes ($N$ = the product of their sizes)."""
        # BEGIN SOLUTION
        n = int(np.prod([self.shape[d] for d in reduction_axes(dim, self.ndim)]))
        return self.sum(dim, keepdim) / n
        # END SOLUTION

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
    ) -> Tensor:
        r"""$\frac{1}{N - c}\sum_i (x_i - \bar x)^2$ (``correction`` $c = 1$: unbiased).

        As in PyTorch, ``unbiased=False`` is ``correction=0`` (the older name, also the
        second positional argument); give one of the two.
        """
        correction = _correction(unbiased, correction)
        # BEGIN SOLUTION
        n = int(np.prod([self.shape[d] for d in reduction_axes(dim, self.ndim)]))
        centered = self - self.mean(dim, keepdim=True)
        return (centered * centered).sum(dim, keepdim) / max(n - correction, 0)
        # END SOLUTION

    def std(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
    ) -> Tensor:
        r"""$\sqrt{\operatorname{var}}$; its gradient is 0 where the std is 0 (PyTorch's rule)."""
        return StdSqrt.apply(
            self.var(dim, keepdim=keepdim, correction=_correction(unbiased, correction))
        )

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return AMax.apply(self, dim=dim, keepdim=keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return AMin.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The maximum; with ``dim``, the pair ``(values, indices)`` as in PyTorch.

        The values are gathered at the indices, so the gradient reaches only the first
        maximum of each slice (``amax`` splits it between ties instead).
        """
        if dim is None:
            return self.amax()
        # BEGIN SOLUTION
        indices = np.expand_dims(np.argmax(self.data, axis=dim), dim)
        values = self.gather(dim, indices)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return MaxResult(values, Tensor._make(indices, False))
        # END SOLUTION

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        r"""The minimum; with ``dim``, the pair ``(values, indices)``: $\min x = -\max(-x)$."""
        if dim is None:
            return self.amin()
        values, indices = (-self).max(dim, keepdim)
        return MaxResult(-values, indices)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.argmax(self.data, axis=dim, keepdims=keepdim), False)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.argmin(self.data, axis=dim, keepdims=keepdim), False)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        shape = _shape_arg(shape)
        if shape == self.shape:
            return self
        return Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1 :]
        return self.reshape(shape)

    def permute(self, *dims: Any) -> Tensor:
        return Permute.apply(self, dims=_shape_arg(dims))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two axes (``torch.transpose``)."""
        return Transpose.apply(self, dim0=dim0, dim1=dim1)

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape`` without copying; -1 keeps an existing size."""
        shape = _shape_arg(shape)
        lead = len(shape) - self.ndim
        if -1 in shape[: max(lead, 0)]:
            raise ValueError(f"expand: -1 is not allowed in a new leading dim, got {shape}")
        # BEGIN SOLUTION
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        if shape == self.shape:
            return self
        return Expand.apply(self, shape=shape)
        # END SOLUTION

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def sum_to_shape(self, shape: Sequence[int]) -> Tensor:
        """Sum over the axes a broadcast to this shape added (the adjoint of ``expand``)."""
        return self if tuple(shape) == self.shape else SumToShape.apply(self, shape=tuple(shape))

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """Remove axes of size 1: all of them, or those among ``dim`` (others are kept)."""
        if dim is None:
            axes = normalize_axes(None, self.ndim)
        else:
            axes = normalize_axes(dim, self.ndim) if self.ndim else ()
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        return self.reshape(shape)

    def unsqueeze(self, dim: int) -> Tensor:
        d = dim % (self.ndim + 1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def split(
        self, split_size_or_sections: int | Sequence[int], dim: int = 0
    ) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or given sizes."""
        n = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            sizes = [split_size_or_sections] * (n // split_size_or_sections)
            if n % split_size_or_sections:
                sizes.append(n % split_size_or_sections)
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise ValueError(f"split: sizes {sizes} do not sum to dim {dim} of size {n}")
        # BEGIN SOLUTION
        d = dim % self.ndim
        indices, start = [], 0
        for s in sizes:
            indices.append((slice(None),) * d + (slice(start, start + s),))
            start += s
        # the slices x[index], with one shared gradient buffer: O(T) backward, not O(T^2)
        return split_pieces(self, indices)
        # END SOLUTION

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        size = -(-self.shape[dim] // chunks)
        return self.split(size, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, that axis removed (``torch.unbind``); $O(T)$ backward."""
        d = dim % self.ndim
        return split_pieces(self, [(slice(None),) * d + (i,) for i in range(self.shape[d])])

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> Tensor:
        index = _index_arg(index)
        out = GetItem.apply(self, index=index)
        if out._view is not None:  # a slice: an in-place change of it changes self
            out._view = (self, index)
        return out

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value`` in place (recorded in the graph as PyTorch does)."""
        self._inplace(SetItem, value, index=_index_arg(index), inplace=True)

    def gather(self, dim: int, index: Any) -> Tensor:
        return Gather.apply(self, dim=dim, index=_index_arg(index))
