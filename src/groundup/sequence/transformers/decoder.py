r"""The decoder block: causal self-attention, optional cross-attention, and an MLP (pre-norm).

A decoder predicts token $t$ from tokens $< t$ only, so its self-attention is *causal*:
query $i$ sees keys $j \le i$. One block, in the pre-norm layout of GPT-2:

$$x \leftarrow x + \mathrm{Attn}_\text{causal}(\mathrm{LN}_1(x)),\qquad
[x \leftarrow x + \mathrm{CrossAttn}(\mathrm{LN}_c(x), m)],\qquad
x \leftarrow x + \mathrm{MLP}(\mathrm{LN}_2(x)),$$

with $\mathrm{MLP}(x) = W_2\,\mathrm{GELU}(W_1 x)$ of hidden width $4d$. The
cross-attention to an encoder's output $m$ (``memory``) is the encoder-decoder
transformer's; a GPT has none.

`CausalSelfAttention` names its layers as nanoGPT does (``c_attn`` projects to
$[Q, K, V]$ in one GEMM, ``c_proj`` back), computes all heads in one batched fused
attention, and can rotate queries and keys by RoPE. With a
:class:`~groundup.nn_core.attention.multihead.KVCache` it processes only the new tokens:
their keys and values are appended and the queries attend to everything cached.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.gelu import gelu
from groundup.nn_core.attention.multihead import KVCache, MultiheadAttention
from groundup.nn_core.attention.scaled_dot_product import (
    causal_mask,
    scaled_dot_product_attention,
)
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.layernorm import LayerNorm
from groundup.nn_core.positional.rope import apply_rotary, rope_angles
from groundup.nn_core.regularization.dropout import Dropout
from groundup.utils.seeding import make_rng

__all__ = ["MLP", "CausalSelfAttention", "DecoderBlock"]


class CausalSelfAttention(Module):
    """Multi-head causal self-attention of width ``n_embd`` with ``n_head`` heads.

    Parameters
    ----------
    n_embd, n_head : int
    bias : bool
        Biases in ``c_attn`` and ``c_proj``.
    dropout : float
        On the attention weights and the output (training mode only).
    rope : bool
        Rotate queries and keys by their positions (RoPE) instead of relying on
        learned position embeddings.

    Shapes: input ``(B, T, n_embd)``, output ``(B, T, n_embd)``.
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        *,
        bias: bool = True,
        dropout: float = 0.0,
        rope: bool = False,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd={n_embd} must be divisible by n_head={n_head}")
        rng = make_rng(generator)
        self.n_embd, self.n_head, self.rope, self.dropout = n_embd, n_head, rope, dropout
        self.c_attn = Linear(n_embd, 3 * n_embd, bias=bias, dtype=dtype, generator=rng)
        self.c_proj = Linear(n_embd, n_embd, bias=bias, dtype=dtype, generator=rng)
        self.resid_dropout = Dropout(dropout, generator=rng)
        self._rng = rng

    def forward(self, x: Tensor, kv_cache: KVCache | None = None) -> Tensor:
        B, T, C = x.shape
        h, d = self.n_head, C // self.n_head
        past = len(kv_cache) if kv_cache is not None else 0
        # BEGIN SOLUTION
        qkv = self.c_attn(x).reshape(B, T, 3, h, d)  # (B, T, 3, h, d)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # (3, B, h, T, d)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, h, T, d) each
        if self.rope:
            cos, sin = rope_angles(T, d, offset=past)
            q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        if kv_cache is not None:
            k, v = kv_cache.append(k, v)  # (B, h, past + T, d)
        p = self.dropout if self.training else 0.0
        if past == 0:
            y = scaled_dot_product_attention(
                q, k, v, dropout_p=p, is_causal=True, generator=self._rng
            )
        elif T == 1:  # the newest token sees every cached one
            y = scaled_dot_product_attention(q, k, v, dropout_p=p, generator=self._rng)
        else:
            mask = causal_mask(T, past + T, offset=past)  # (T, past + T)
            y = scaled_dot_product_attention(q, k, v, mask, dropout_p=p, generator=self._rng)
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C): heads side by side
        return self.resid_dropout(self.c_proj(y))
        # END SOLUTION


class MLP(Module):
    r"""$\mathrm{MLP}(x) = W_2\,\mathrm{GELU}(W_1 x + b_1) + b_2$, hidden width ``4 n_embd``.

    ``approximate="tanh"`` is GPT-2's GELU ($\tfrac12 x(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3)))$),
    several times cheaper in NumPy than the exact one, which needs $\mathrm{erf}$.
    """

    def __init__(
        self,
        n_embd: int,
        *,
        bias: bool = True,
        dropout: float = 0.0,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
        approximate: str = "none",
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.approximate = approximate
        self.c_fc = Linear(n_embd, 4 * n_embd, bias=bias, dtype=dtype, generator=rng)
        self.c_proj = Linear(4 * n_embd, n_embd, bias=bias, dtype=dtype, generator=rng)
        self.dropout = Dropout(dropout, generator=rng)

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        return self.dropout(self.c_proj(gelu(self.c_fc(x), self.approximate)))
        # END SOLUTION


class DecoderBlock(Module):
    """One pre-norm decoder block (see the module docstring).

    Parameters
    ----------
    n_embd, n_head : int
    bias, dropout, rope :
        As in :class:`CausalSelfAttention`.
    approximate : str
        GELU of the MLP: ``"none"`` (exact) or ``"tanh"`` (GPT-2's).
    cross_attention : bool
        Add a cross-attention sub-layer (a batch-first ``MultiheadAttention``) to
        ``memory`` of shape ``(B, S, n_embd)``.
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        *,
        bias: bool = True,
        dropout: float = 0.0,
        rope: bool = False,
        cross_attention: bool = False,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
        approximate: str = "none",
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.ln_1 = LayerNorm(n_embd, bias=bias, dtype=dtype)
        self.attn = CausalSelfAttention(
            n_embd, n_head, bias=bias, dropout=dropout, rope=rope, dtype=dtype, generator=rng
        )
        if cross_attention:
            self.ln_c = LayerNorm(n_embd, bias=bias, dtype=dtype)
            self.cross_attn = MultiheadAttention(
                n_embd, n_head, dropout, bias, batch_first=True, dtype=dtype, generator=rng
            )
        else:
            self.cross_attn = None
        self.ln_2 = LayerNorm(n_embd, bias=bias, dtype=dtype)
        self.mlp = MLP(
            n_embd, bias=bias, dropout=dropout, dtype=dtype, generator=rng, approximate=approximate
        )

    def forward(
        self,
        x: Tensor,
        memory: Tensor | None = None,
        kv_cache: KVCache | None = None,
        memory_key_padding_mask: Any = None,
    ) -> Tensor:
        """``x`` ``(B, T, n_embd)`` -> ``(B, T, n_embd)``; ``memory`` ``(B, S, n_embd)`` if cross-attending."""
        # BEGIN SOLUTION
        x = x + self.attn(self.ln_1(x), kv_cache)
        # END SOLUTION
        if self.cross_attn is not None:
            if memory is None:
                raise ValueError(
                    "DecoderBlock with cross_attention needs memory (the encoder output)"
                )
            # BEGIN SOLUTION
            xc = self.ln_c(x)
            x = (
                x
                + self.cross_attn(
                    xc, memory, memory, key_padding_mask=memory_key_padding_mask, need_weights=False
                )[0]
            )
            # END SOLUTION
        # BEGIN SOLUTION
        return x + self.mlp(self.ln_2(x))
        # END SOLUTION
