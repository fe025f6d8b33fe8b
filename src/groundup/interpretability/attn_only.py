r"""An attention-only transformer: the smallest model in which induction heads form.

Elhage et al. (2021), "A Mathematical Framework for Transformer Circuits", study
transformers without MLPs and without LayerNorm, because then the whole model is a sum of
paths through attention heads:

$$x_0 = W_E[t] + W_{pos}[i],\qquad x_{l+1} = x_l + \sum_h \mathrm{head}_{l,h}(x_l),\qquad
\text{logits} = W_U\,x_L.$$

Each block is the GPT's
:class:`~groundup.sequence.transformers.decoder.CausalSelfAttention` (reused, no biases)
plus a residual connection, and the parameter names follow the GPT's
(``transformer.wte``, ``transformer.h.0.attn.c_attn``, ``lm_head``), so the hook points of
:mod:`groundup.interpretability.hooks` apply unchanged. The unembedding is not tied to
the embedding.

>>> import numpy as np
>>> model = AttnOnlyTransformer(vocab_size=10, n_layer=2, n_head=2, d_model=8, block_size=6, generator=0)
>>> model(np.zeros((3, 6), dtype=np.int64)).shape
(3, 6, 10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.containers import ModuleDict, ModuleList
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.sequence.transformers.decoder import CausalSelfAttention
from groundup.utils.seeding import make_rng

__all__ = ["AttnOnlyBlock", "AttnOnlyTransformer"]


class AttnOnlyBlock(Module):
    """$x \\leftarrow x + \\mathrm{Attn}_\\text{causal}(x)$: no LayerNorm, no MLP."""

    def __init__(self, d_model: int, n_head: int, dtype: Any, generator: Any) -> None:
        super().__init__()
        self.attn = CausalSelfAttention(
            d_model, n_head, bias=False, dtype=dtype, generator=generator
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.attn(x)  # (B, T, d)


class AttnOnlyTransformer(Module):
    r"""Token + learned position embedding, ``n_layer`` attention-only blocks, unembedding.

    Parameters
    ----------
    vocab_size, n_layer, n_head, d_model, block_size : int
    dtype : numpy dtype
    init_std : float, optional
        Every parameter starts at $\mathcal N(0, \text{init\_std}^2)$ (GPT-2: 0.02). None
        (the default) keeps each layer's own start, PyTorch's: embeddings $\mathcal N(0, 1)$,
        linear weights $U(-1/\sqrt{d}, 1/\sqrt{d})$. With no LayerNorm the small GPT-2 start
        keeps the residual stream, and so the attention scores, near zero: every pattern
        stays uniform and induction heads form thousands of steps later, or not at all.
    generator : np.random.Generator or int, optional
        For the initial values.

    ``forward(idx)`` maps token ids ``(B, T)`` to logits ``(B, T, vocab_size)``.
    """

    def __init__(
        self,
        vocab_size: int,
        n_layer: int = 2,
        n_head: int = 4,
        d_model: int = 64,
        block_size: int = 32,
        dtype: Any = np.float32,
        generator: Any = None,
        init_std: float | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.block_size = block_size
        self.transformer = ModuleDict(
            {
                "wte": Embedding(vocab_size, d_model, dtype=dtype, generator=rng),
                "wpe": Embedding(block_size, d_model, dtype=dtype, generator=rng),
                "h": ModuleList(
                    [AttnOnlyBlock(d_model, n_head, dtype, rng) for _ in range(n_layer)]
                ),
            }
        )
        self.lm_head = Linear(d_model, vocab_size, bias=False, dtype=dtype, generator=rng)
        if init_std is not None:
            for p in self.parameters():
                init.normal_(p, 0.0, init_std, generator=rng)

    def forward(self, idx: Any) -> Tensor:
        idx = np.asarray(getattr(idx, "data", idx))
        if idx.ndim != 2 or idx.shape[1] > self.block_size:
            raise ValueError(
                f"AttnOnlyTransformer: idx must be (B, T) with T <= {self.block_size}, got {idx.shape}"
            )
        T = idx.shape[1]
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(np.arange(T))  # (B, T, d)
        for block in tr.h:
            x = block(x)
        return self.lm_head(x)  # (B, T, V)
