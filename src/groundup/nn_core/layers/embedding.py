r"""`Embedding`: a lookup table of learned vectors, one per token id.

Row $v$ of the weight $W \in \mathbb R^{V \times D}$ is the vector of token $v$. Looking
up ids is the same as multiplying their one-hot vectors by $W$, without building them:

$$y = W[\text{idx}],\qquad \frac{\partial L}{\partial W_v} = \sum_{i:\,\text{idx}_i = v} g_i,$$

so each row's gradient is the sum of the gradients of the positions that looked it up (a
scatter-add). The ``padding_idx`` row receives no gradient, as in PyTorch.

>>> import numpy as np
>>> emb = Embedding(10, 3, generator=np.random.default_rng(0))
>>> emb(np.array([[1, 2], [2, 9]])).shape
(2, 2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.elementwise import where
from groundup.nn_core import init
from groundup.nn_core.module import Module, Parameter
from groundup.utils.seeding import make_rng

__all__ = ["Embedding", "embedding"]


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
        num_embeddings = ctx.inputs[0].shape[0]
        return EmbeddingScatterAdd.apply(
            grad, indices=ctx.indices, num_embeddings=num_embeddings, padding_idx=ctx.padding_idx
        ), None


class EmbeddingScatterAdd(Function):
    r"""$\bar W_v = \sum_{i:\,\text{idx}_i = v} g_i$ (rows of the padding index dropped); adjoint: gather.

    Sorting the indices and summing each run of equal ones with ``np.add.reduceat`` is a
    few times faster than ``np.add.at`` for the many repeated indices of a token batch.
    """

    @staticmethod
    def forward(
        ctx: Node,
        g: np.ndarray,
        indices: np.ndarray | None = None,
        num_embeddings: int = 0,
        padding_idx: int | None = None,
    ) -> np.ndarray:
        ctx.indices, ctx.padding_idx = indices, padding_idx
        dim = g.shape[-1]
        rows = g.reshape(-1, dim)  # (N, D), one row per looked-up index
        idx = indices.reshape(-1)  # (N,)
        if padding_idx is not None:
            keep = idx != padding_idx
            rows, idx = rows[keep], idx[keep]
        out = np.zeros((num_embeddings, dim), dtype=g.dtype)
        if idx.size:
            order = np.argsort(idx, kind="stable")
            sorted_idx = idx[order]
            starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
            out[sorted_idx[starts]] = np.add.reduceat(rows[order], starts, axis=0)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        gathered = grad[ctx.indices]  # (*, D)
        if ctx.padding_idx is not None:
            gathered = where((ctx.indices != ctx.padding_idx)[..., None], gathered, 0.0)
        return gathered


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
