r"""The affine layer $y = xW^\top + b$, and the shape-only layers around it.

`Linear` is the building block of every MLP: ``in_features`` inputs, ``out_features``
outputs, weight of shape ``(out_features, in_features)`` as in PyTorch (so the product is
with $W^\top$). Its forward and backward are one fused `Function` (one GEMM forward, two
backward), since it runs in every step of every network:

$$y = xW^\top + b,\qquad
\frac{\partial L}{\partial x} = g W,\qquad
\frac{\partial L}{\partial W} = g^\top x,\qquad
\frac{\partial L}{\partial b} = \textstyle\sum_n g_n,$$

with $g = \partial L/\partial y$ and the batch axes of $x$ and $g$ flattened into one.

`Embedding` is a lookup table (a `Linear` applied to one-hot vectors, without
building them); `Identity`, `Flatten` and `Unflatten` only move values.

>>> import numpy as np
>>> from groundup import Tensor
>>> layer = Linear(3, 2, generator=np.random.default_rng(0))
>>> layer(Tensor(np.ones((4, 3), dtype=np.float32))).shape
(4, 2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.elementwise import where
from groundup.foundations.ops.indexing import IndexAdd
from groundup.nn_core import init
from groundup.nn_core.module import Module, Parameter
from groundup.utils.seeding import make_rng

__all__ = ["Embedding", "Flatten", "Identity", "Linear", "Unflatten", "embedding", "linear"]


class LinearFunction(Function):
    r"""$y = xW^\top + b$; $\bar x = gW$, $\bar W = g^\top x$, $\bar b = \sum_n g_n$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, weight: np.ndarray, bias: Any = None) -> np.ndarray:
        if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
            raise ValueError(
                f"linear: input of shape {x.shape} does not match weight of shape {weight.shape}: "
                f"the last dimension of the input must be in_features={weight.shape[-1]}"
            )
        # $y = x W^\top$ (one GEMM), then $+ b$ in place on the fresh result
        y = np.matmul(x, weight.T)  # (*, out)
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any, Any]:
        x, weight, _ = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = weight.shape
        g2 = grad.reshape(-1, out_features)  # (N, out), batch axes flattened
        # $\bar x = g W$
        gx = grad @ weight if need_x else None  # (*, in)
        # $\bar W = g^\top x$
        gw = g2.T @ x.reshape(-1, in_features) if need_w else None  # (out, in)
        # $\bar b = \sum_n g_n$
        gb = g2.sum(0) if need_b else None  # (out,)
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""$y = xW^\top + b$ (``torch.nn.functional.linear``).

    Parameters
    ----------
    input : Tensor of shape ``(*, in_features)``
    weight : Tensor of shape ``(out_features, in_features)``
    bias : Tensor of shape ``(out_features,)``, optional

    Returns
    -------
    Tensor of shape ``(*, out_features)``
    """
    return LinearFunction.apply(input, weight, bias)


class Linear(Module):
    r"""Affine map $y = xW^\top + b$ (``torch.nn.Linear``).

    Initialised as PyTorch: $W, b \sim U(-1/\sqrt{n_\text{in}}, 1/\sqrt{n_\text{in}})$
    (``kaiming_uniform_(a=sqrt(5))`` for the weight).

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the last axis of the input and of the output.
    bias : bool
        Whether to add the learnable bias $b$.
    dtype : numpy dtype
        Of the parameters (float32 by default).
    generator : np.random.Generator, optional
        For the initial values (the library's default generator when omitted).

    Shapes: input ``(*, in_features)``, output ``(*, out_features)``; ``weight`` is
    ``(out_features, in_features)``, ``bias`` is ``(out_features,)``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear: in_features and out_features must be non-negative, "
                f"got in_features={in_features}, out_features={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        rng = make_rng(generator)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: Tensor) -> Tensor:
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flatten axes ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: ``(N, 12) -> (N, 3, 4)``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        d = self.dim % input.ndim
        size = self.unflattened_size
        known = int(np.prod([s for s in size if s != -1]))
        if (-1 not in size and known != input.shape[d]) or (known and input.shape[d] % known):
            raise ValueError(
                f"Unflatten: dimension {self.dim} of size {input.shape[d]} (input shape "
                f"{input.shape}) cannot be unflattened into {size}"
            )
        return input.reshape(input.shape[:d] + size + input.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class EmbeddingFunction(Function):
    r"""$y = W[\text{idx}]$; $\bar W = \mathrm{scatter\_add}(\text{idx}, g)$, none to the padding row."""

    @staticmethod
    def forward(
        ctx: Node, weight: np.ndarray, indices: np.ndarray, padding_idx: int | None = None
    ) -> np.ndarray:
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        return weight[indices]  # (*, embedding_dim)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        if ctx.padding_idx is not None:
            keep = (ctx.indices != ctx.padding_idx)[..., None]  # (*, 1)
            grad = where(keep, grad, 0.0)
        shape = ctx.inputs[0].shape
        return IndexAdd.apply(grad, shape=shape, index=ctx.indices), None


def _check_indices(indices: np.ndarray, num_embeddings: int) -> np.ndarray:
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        raise IndexError(
            f"embedding: indices must be in [0, {num_embeddings}), got values in "
            f"[{indices.min()}, {indices.max()}]"
        )
    return indices


def _normalize_padding_idx(padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"padding_idx={padding_idx} must be within num_embeddings={num_embeddings}"
        )
    return padding_idx % num_embeddings


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
) -> Tensor:
    r"""Rows of ``weight`` at ``input`` (``torch.nn.functional.embedding``).

    Parameters
    ----------
    input : integer Tensor or array of shape ``(*)``
    weight : Tensor of shape ``(num_embeddings, embedding_dim)``
    padding_idx : int, optional
        The row at this index receives no gradient.
    max_norm : float, optional
        Rows that are looked up and whose ``norm_type``-norm exceeds it are rescaled to
        that norm, in place, before the lookup (as PyTorch).

    Returns
    -------
    Tensor of shape ``(*, embedding_dim)``
    """
    indices = _check_indices(np.asarray(getattr(input, "data", input)), weight.shape[0])
    padding_idx = _normalize_padding_idx(padding_idx, weight.shape[0])
    if max_norm is not None:
        rows = np.unique(indices)
        w = weight.data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] *= scale[:, None].astype(w.dtype)
    return EmbeddingFunction.apply(weight, indices, padding_idx=padding_idx)


class Embedding(Module):
    r"""A lookup table of ``num_embeddings`` vectors of size ``embedding_dim`` (``torch.nn.Embedding``).

    Initialised from $\mathcal N(0, 1)$, with the ``padding_idx`` row (if any) zero.
    Input: integer indices of shape ``(*)``; output ``(*, embedding_dim)``.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _normalize_padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        init.normal_(self.weight, generator=make_rng(generator))
        if self.padding_idx is not None:
            with no_grad():
                self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (2-D); frozen unless ``freeze=False``."""
        arr = np.array(getattr(embeddings, "data", embeddings), copy=True)
        if arr.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-D, got shape {arr.shape}")
        module = cls(arr.shape[0], arr.shape[1], padding_idx, dtype=arr.dtype)
        module.weight = Parameter(arr, requires_grad=not freeze)
        return module

    def forward(self, input: Any) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s
