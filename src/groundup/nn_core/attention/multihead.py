r"""Multi-head attention (Vaswani et al., 2017) with PyTorch's parameters and masks.

The embedding of width $E$ is projected to queries, keys and values, split into $h$
heads of width $d = E/h$, each head attends on its own, and the heads are concatenated
and projected back:

$$\mathrm{head}_i = \mathrm{softmax}\Big(\frac{Q W^Q_i (K W^K_i)^\top}{\sqrt d} + M\Big) V W^V_i,
\qquad \mathrm{MHA}(Q, K, V) = [\mathrm{head}_1, \dots, \mathrm{head}_h]\,W^O.$$

As in ``torch.nn.MultiheadAttention`` the three input projections are stacked in one
``in_proj_weight`` of shape ``(3E, E)`` (rows ``[W^Q; W^K; W^V]``) with ``in_proj_bias``,
and $W^O$ is the `Linear` ``out_proj``, so a PyTorch state dict loads as it is. The heads
are one batched axis: no Python loop over heads.

Masks follow PyTorch's conventions (the opposite of
:func:`~groundup.nn_core.attention.scaled_dot_product.scaled_dot_product_attention`'s bool
mask): in ``key_padding_mask`` ``(N, S)`` and ``attn_mask`` ``(L, S)`` or ``(N h, L, S)``
a ``True`` means *do not attend*; float masks are added to the scores.

`KVCache` keeps the keys and values of the positions seen so far, so incremental decoding
projects only the new token: $O(T)$ work per step instead of $O(T^2)$.

>>> import numpy as np
>>> from groundup import Tensor
>>> mha = MultiheadAttention(8, 2, batch_first=True, generator=np.random.default_rng(0))
>>> out, w = mha(*[Tensor(np.ones((1, 3, 8), dtype=np.float32))] * 3)
>>> out.shape, w.shape
((1, 3, 8), (1, 3, 3))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.attention.scaled_dot_product import (
    causal_mask,
    scaled_dot_product_attention,
)
from groundup.nn_core.layers.linear import Linear, linear
from groundup.nn_core.module import Module, Parameter
from groundup.nn_core.regularization.dropout import dropout as dropout_fn
from groundup.utils.seeding import make_rng

__all__ = ["KVCache", "MultiheadAttention"]


class KVCache:
    """Keys and values of the positions already processed, per attention layer.

    ``append(k, v)`` adds the new positions (axis ``-2``) and returns all of them. The
    arrays live in buffers that double when full, so a step copies only the new
    positions (amortised $O(1)$ per token, not $O(T)$). The cached values are
    constants: decoding runs under ``no_grad``.

    Attributes
    ----------
    k, v : ndarray of shape ``(N, h, S, d)`` or None
        Views of the filled part of the buffers.
    """

    def __init__(self) -> None:
        self._k: np.ndarray | None = None
        self._v: np.ndarray | None = None
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def k(self) -> np.ndarray | None:
        return None if self._k is None else self._k[..., : self._n, :]

    @property
    def v(self) -> np.ndarray | None:
        return None if self._v is None else self._v[..., : self._n, :]

    def append(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Put ``k``, ``v`` of shape ``(N, h, T, d)`` after the cached positions; return all."""
        T, n = k.shape[-2], self._n
        if self._k is None or n + T > self._k.shape[-2]:
            cap = max(2 * (n + T), 16)
            grown_k = np.empty((*k.shape[:-2], cap, k.shape[-1]), dtype=k.dtype)  # (N, h, cap, d)
            grown_v = np.empty((*v.shape[:-2], cap, v.shape[-1]), dtype=v.dtype)
            if n:
                grown_k[..., :n, :], grown_v[..., :n, :] = self.k, self.v
            self._k, self._v = grown_k, grown_v
        self._k[..., n : n + T, :] = k.data
        self._v[..., n : n + T, :] = v.data
        self._n = n + T
        return Tensor._make(self.k, False), Tensor._make(self.v, False)


def _merge_masks(
    attn_mask: Any, key_padding_mask: Any, N: int, h: int, L: int, S: int, dtype: Any
) -> np.ndarray | Tensor | None:
    """PyTorch-convention masks (True = blocked) as one additive mask ``(N, h, L, S)``-broadcastable."""
    merged: Any = None
    if attn_mask is not None:
        m = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if m.shape not in ((L, S), (N * h, L, S)):
            raise ValueError(
                f"MultiheadAttention: attn_mask should have shape {(L, S)} or {(N * h, L, S)}, "
                f"got {m.shape}"
            )
        if m.dtype == np.bool_:
            m = np.where(m, -np.inf, 0.0).astype(dtype)
        merged = m.reshape(N, h, L, S) if m.ndim == 3 else m
    if key_padding_mask is not None:
        p = (
            key_padding_mask.data
            if isinstance(key_padding_mask, Tensor)
            else np.asarray(key_padding_mask)
        )
        if p.shape != (N, S):
            raise ValueError(
                f"MultiheadAttention: key_padding_mask should have shape {(N, S)} "
                f"(batch, source length), got {p.shape}"
            )
        if p.dtype == np.bool_:
            p = np.where(p, -np.inf, 0.0).astype(dtype)
        p = p[:, None, None, :]  # (N, 1, 1, S)
        merged = p if merged is None else merged + p
    return merged


class MultiheadAttention(Module):
    r"""``torch.nn.MultiheadAttention`` (same parameters, masks and returned weights).

    Parameters
    ----------
    embed_dim : int
        $E$, the width of queries, keys and values.
    num_heads : int
        $h$; must divide ``embed_dim``.
    dropout : float
        Dropout on the attention weights in training mode.
    bias : bool
        Whether ``in_proj_bias`` and ``out_proj.bias`` exist.
    batch_first : bool
        Inputs ``(N, L, E)`` if True, else ``(L, N, E)`` (PyTorch's default). Unbatched
        ``(L, E)`` inputs work too.
    dtype : numpy dtype
    generator : np.random.Generator, optional
        For the initial values and dropout.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if num_heads <= 0 or embed_dim % num_heads != 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim={embed_dim} must be divisible by num_heads={num_heads}"
            )
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self._rng = make_rng(generator)
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dtype))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype, generator=self._rng)
        # PyTorch's _reset_parameters: Xavier for the stacked projection, zero biases
        init.xavier_uniform_(self.in_proj_weight, generator=self._rng)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _project(self, x: Tensor, i: int) -> Tensor:
        """The ``i``-th of the Q/K/V projections: $x W_i^\\top + b_i$."""
        E = self.embed_dim
        w = self.in_proj_weight[i * E : (i + 1) * E]  # (E, E)
        b = self.in_proj_bias[i * E : (i + 1) * E] if self.in_proj_bias is not None else None
        return linear(x, w, b)

    def _heads(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        N, T, _ = x.shape
        return x.reshape(N, T, self.num_heads, self.head_dim).transpose(1, 2)  # (N, h, T, d)
        # END SOLUTION

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
        kv_cache: KVCache | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        Returns ``(output, weights)``: output of the query's shape; weights ``(N, L, S)``
        (averaged over heads) or ``(N, h, L, S)``, or None unless ``need_weights``. With
        ``is_causal`` and no ``attn_mask`` a causal mask is used (lined up with the end
        of the cache, if any). ``kv_cache`` (groundup's addition): the new keys/values are
        appended to it and the query attends to all cached positions.
        """
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (
                t.unsqueeze(1 if not self.batch_first else 0) for t in (query, key, value)
            )
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        N, L, E = query.shape
        if E != self.embed_dim or key.shape[-1] != E or value.shape[-1] != E:
            raise ValueError(
                f"MultiheadAttention: expected inputs with embed_dim={self.embed_dim} in the last "
                f"axis, got query {query.shape}, key {key.shape}, value {value.shape}"
            )
        if query is key is value:  # self-attention: one GEMM for all three projections
            qkv = linear(query, self.in_proj_weight, self.in_proj_bias)  # (N, L, 3E)
            q, k, v = (qkv[..., i * E : (i + 1) * E] for i in range(3))
        else:
            q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        q, k, v = self._heads(q), self._heads(k), self._heads(v)  # (N, h, T, d)
        if kv_cache is not None:
            k, v = kv_cache.append(k, v)
        S = k.shape[2]
        if is_causal and attn_mask is None:
            attn_mask = ~causal_mask(L, S, offset=S - L)
        mask = _merge_masks(attn_mask, key_padding_mask, N, self.num_heads, L, S, q.dtype)
        # BEGIN SOLUTION
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            # $P = \mathrm{softmax}(QK^\top/\sqrt d + M)$ kept, since it is returned
            scores = (q @ k.mT) * (1.0 / math.sqrt(self.head_dim))  # (N, h, L, S)
            if mask is not None:
                scores = scores + mask
            P = scores.softmax(-1)
            Pd = dropout_fn(P, p, generator=self._rng) if p > 0 else P
            out = Pd @ v  # (N, h, L, d)
            weights = Pd.mean(1) if average_attn_weights else Pd  # as torch: after dropout
        else:
            out = scaled_dot_product_attention(
                q, k, v, attn_mask=mask, dropout_p=p, generator=self._rng
            )
        out = out.transpose(1, 2).reshape(N, L, E)  # (N, L, E)
        # END SOLUTION
        out = self.out_proj(out)
        if not self.batch_first:
            out = out.transpose(0, 1)
        if unbatched:
            out = out.squeeze(1 if not self.batch_first else 0)
            if weights is not None:
                weights = weights.squeeze(0)
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
