r"""GPT: a decoder-only transformer language model (Radford et al., 2018/2019), nanoGPT's layout.

Tokens $x_1..x_T$ become vectors (a token embedding plus a learned position embedding,
or RoPE inside attention), pass through $L$ causal
:class:`~groundup.sequence.transformers.decoder.DecoderBlock`\ s and a final LayerNorm,
and the head maps each position to logits over the vocabulary. The head shares its
weight with the token embedding ("weight tying": $W_\text{head} = W_\text{te}$). Training
minimises the next-token cross-entropy

$$\mathcal L = -\frac{1}{BT}\sum_{b,t} \log p_\theta(x_{b,t+1} \mid x_{b,\le t}).$$

``generate`` samples one token at a time from $\mathrm{softmax}(z/\tau)$, optionally
restricted to the ``top_k`` most likely tokens or to the smallest set whose probability
reaches ``top_p`` (nucleus sampling). With ``use_cache`` each step feeds only the newest
token and reuses the cached keys and values of the earlier ones.

Parameter names follow nanoGPT (``transformer.wte``, ``transformer.h.0.attn.c_attn``,
``lm_head``...), so its checkpoints map one to one.

>>> import numpy as np
>>> model = GPT(GPTConfig(block_size=8, vocab_size=11, n_layer=1, n_head=2, n_embd=8), generator=0)
>>> logits, loss = model(np.zeros((2, 5), dtype=np.int64))
>>> logits.shape
(2, 5, 11)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import InitVar, asdict, dataclass
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.attention.multihead import KVCache
from groundup.nn_core.containers import ModuleDict, ModuleList
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.layernorm import LayerNorm
from groundup.nn_core.regularization.dropout import Dropout
from groundup.optimization.losses.cross_entropy import cross_entropy
from groundup.sequence.transformers.decoder import DecoderBlock
from groundup.utils.seeding import make_rng

__all__ = ["GPT", "GPTConfig", "sample_next"]


@dataclass
class GPTConfig:
    """The architecture of a GPT."""

    block_size: int = 64
    """Context length: the most tokens the model reads at once."""
    vocab_size: int = 65
    """Number of token ids."""
    n_layer: int = 4
    """Number of decoder blocks."""
    n_head: int = 4
    """Attention heads per block."""
    n_embd: int = 128
    """Width of the residual stream."""
    dropout: float = 0.0
    """Dropout on embeddings, attention weights and residual branches (training only)."""
    bias: bool = True
    """Biases in Linear layers and LayerNorms (nanoGPT's CPU run uses False)."""
    pos: str = "learned"
    """Positions: ``"learned"`` (a table ``wpe``) or ``"rope"`` (rotary, in attention)."""
    approximate: str = "tanh"
    """GELU of the MLPs: ``"tanh"`` (GPT-2's approximation, fast) or ``"none"`` (exact, nanoGPT's).

    The name of :func:`~groundup.nn_core.activations.gelu.gelu`'s argument and of
    ``torch.nn.GELU(approximate=...)``."""
    gelu: InitVar[str | None] = None
    """Deprecated spelling of ``approximate`` (a ``DeprecationWarning``; still accepted)."""

    def __post_init__(self, gelu: str | None) -> None:
        if gelu is not None:
            warnings.warn(_GELU_DEPRECATED, DeprecationWarning, stacklevel=3)
            self.approximate = gelu
        if self.approximate not in ("tanh", "none"):
            raise ValueError(
                f"GPTConfig.approximate must be 'tanh' or 'none', got {self.approximate!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_GELU_DEPRECATED = (
    "GPTConfig.gelu is deprecated: the field is named `approximate` (as torch.nn.GELU)"
)


def _gelu_get(self: GPTConfig) -> str:
    warnings.warn(_GELU_DEPRECATED, DeprecationWarning, stacklevel=2)
    return self.approximate


def _gelu_set(self: GPTConfig, value: str) -> None:
    warnings.warn(_GELU_DEPRECATED, DeprecationWarning, stacklevel=2)
    self.approximate = value


# `config.gelu` reads and writes `approximate` (the InitVar's default was taken by __init__)
GPTConfig.gelu = property(_gelu_get, _gelu_set)  # type: ignore[assignment]


class GPT(Module):
    """A GPT language model.

    Parameters
    ----------
    config : GPTConfig
    dtype : numpy dtype
    generator : np.random.Generator or int, optional
        For the initial values (normal with std 0.02; residual projections scaled by
        $1/\\sqrt{2L}$, as GPT-2) and dropout.
    """

    def __init__(self, config: GPTConfig, dtype: Any = np.float32, generator: Any = None) -> None:
        super().__init__()
        if config.pos not in ("learned", "rope"):
            raise ValueError(f"GPTConfig.pos must be 'learned' or 'rope', got {config.pos!r}")
        rng = make_rng(generator)
        self.config = config
        c = config
        layers: dict[str, Module] = {
            "wte": Embedding(c.vocab_size, c.n_embd, dtype=dtype, generator=rng)
        }
        if c.pos == "learned":
            layers["wpe"] = Embedding(c.block_size, c.n_embd, dtype=dtype, generator=rng)
        layers["drop"] = Dropout(c.dropout, generator=rng)
        rope = c.pos == "rope"
        layers["h"] = ModuleList(
            [
                DecoderBlock(
                    c.n_embd,
                    c.n_head,
                    bias=c.bias,
                    dropout=c.dropout,
                    rope=rope,
                    dtype=dtype,
                    generator=rng,
                    approximate=c.approximate,
                )
                for _ in range(c.n_layer)
            ]
        )
        layers["ln_f"] = LayerNorm(c.n_embd, bias=c.bias, dtype=dtype)
        self.transformer = ModuleDict(layers)
        self.lm_head = Linear(c.n_embd, c.vocab_size, bias=False, dtype=dtype, generator=rng)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying
        for name, p in self.named_parameters():
            if p.ndim == 2:
                # GPT-2: residual projections get std 0.02/sqrt(2L), every other matrix 0.02
                std = 0.02 / math.sqrt(2 * c.n_layer) if name.endswith("c_proj.weight") else 0.02
                init.normal_(p, 0.0, std, generator=rng)
            elif name.endswith(".bias") and "ln_" not in name:
                init.zeros_(p)

    def num_parameters(self) -> int:
        """Parameters counted once (the tied head is the embedding)."""
        return sum(p.numel() for p in self.parameters())

    def hidden_states(self, idx: Any, kv_caches: list[KVCache] | None = None) -> Tensor:
        """The trunk's output for token ids ``idx`` ``(B, T)``: ``(B, T, n_embd)``.

        Embeddings, the blocks and the final LayerNorm: everything before the head. ``forward``
        applies the head to it; reward and value models put their own head here. With
        ``kv_caches`` (one per block) the tokens continue the cached ones: their positions
        start at the cache length.

        >>> model = GPT(GPTConfig(block_size=8, vocab_size=11, n_layer=1, n_head=2, n_embd=8), generator=0)
        >>> model.hidden_states(np.zeros((2, 5), dtype=np.int64)).shape
        (2, 5, 8)
        """
        idx = np.asarray(getattr(idx, "data", idx))
        if idx.ndim != 2:
            raise ValueError(f"GPT: idx must have shape (B, T), got {idx.shape}")
        T = idx.shape[1]
        past = len(kv_caches[0]) if kv_caches else 0
        if past + T > self.config.block_size:
            raise ValueError(
                f"GPT: a sequence of length {past + T} exceeds the context length "
                f"block_size={self.config.block_size} (generate crops; crop your input)"
            )
        if idx.size and (idx.min() < 0 or idx.max() >= self.config.vocab_size):
            bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
            raise IndexError(
                f"GPT: token id {bad} is outside the vocabulary of size {self.config.vocab_size}"
            )
        # BEGIN SOLUTION
        tr = self.transformer
        x = tr.wte(idx)  # (B, T, C)
        if self.config.pos == "learned":
            x = x + tr.wpe(np.arange(past, past + T))  # (T, C) broadcast over B
        x = tr.drop(x)
        for i, block in enumerate(tr.h):
            x = block(x, kv_cache=kv_caches[i] if kv_caches else None)
        return tr.ln_f(x)  # (B, T, C)
        # END SOLUTION

    def forward(
        self, idx: Any, targets: Any = None, kv_caches: list[KVCache] | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Logits ``(B, T, vocab_size)`` for token ids ``idx`` ``(B, T)``; the loss if ``targets`` ``(B, T)``.

        The head applied to :meth:`hidden_states` (which checks ``idx`` and takes ``kv_caches``).
        """
        x = self.hidden_states(idx, kv_caches)  # (B, T, C)
        B, T = x.shape[:2]
        # BEGIN SOLUTION
        logits = self.lm_head(x)  # (B, T, V)
        loss = None
        if targets is not None:
            t = np.asarray(getattr(targets, "data", targets))
            loss = cross_entropy(logits.reshape(B * T, -1), Tensor(t.reshape(-1)))
        return logits, loss
        # END SOLUTION

    def configure_optimizers(
        self, weight_decay: float, learning_rate: float, betas: tuple[float, float] = (0.9, 0.95)
    ) -> Any:
        """AdamW with weight decay on matrices only (biases, LayerNorm gains: no decay), as nanoGPT."""
        from groundup.optimization.optimizers.adam import AdamW

        decay = [p for p in self.parameters() if p.ndim >= 2]
        no_decay = [p for p in self.parameters() if p.ndim < 2]
        groups = [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        return AdamW([g for g in groups if g["params"]], lr=learning_rate, betas=betas)

    @no_grad()
    def generate(
        self,
        idx: Any,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        use_cache: bool = True,
        generator: Any = None,
    ) -> np.ndarray:
        """Append ``max_new_tokens`` sampled tokens to ``idx`` ``(B, T)``; returns ``(B, T + max_new_tokens)``.

        The context is cropped to the last ``block_size`` tokens. ``temperature=0`` is
        greedy decoding. With ``use_cache`` the same tokens come out as without (the
        cache is rebuilt from the cropped context once the window is full).
        """
        rng = make_rng(generator)
        idx = np.array(getattr(idx, "data", idx), dtype=np.int64)
        if idx.ndim == 1:
            idx = idx[None]
        was_training = self.training
        self.eval()
        bs = self.config.block_size
        caches: list[KVCache] | None = None
        # BEGIN SOLUTION
        for _ in range(max_new_tokens):
            if not use_cache:
                logits, _ = self(idx[:, -bs:])
            elif caches is None or len(caches[0]) + 1 > bs:
                caches = [KVCache() for _ in self.transformer.h]  # (re)fill from the window
                logits, _ = self(idx[:, -bs:], kv_caches=caches)
            else:
                logits, _ = self(idx[:, -1:], kv_caches=caches)
            nxt = sample_next(logits.data[:, -1, :], temperature, top_k, top_p, rng)  # (B,)
            idx = np.concatenate([idx, nxt[:, None]], axis=1)
        # END SOLUTION
        self.train(was_training)
        return idx


def sample_next(
    logits: np.ndarray,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: Any = None,
) -> np.ndarray:
    r"""One token id per row of ``logits`` ``(B, V)`` from $\mathrm{softmax}(z/\tau)$, top-k/top-p filtered."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    # BEGIN SOLUTION
    if temperature == 0:
        return logits.argmax(axis=-1)
    z = logits.astype(np.float64) / temperature  # (B, V)
    # END SOLUTION
    if top_k is not None:
        k = min(int(top_k), z.shape[-1])
        if k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        # BEGIN SOLUTION
        kth = np.sort(z, axis=-1)[:, -k][:, None]  # (B, 1)
        z = np.where(z < kth, -np.inf, z)
        # END SOLUTION
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)  # (B, V)
    if top_p is not None:
        if not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {top_p}")
        # BEGIN SOLUTION
        order = np.argsort(-p, axis=-1, kind="stable")  # (B, V)
        sorted_p = np.take_along_axis(p, order, axis=-1)
        # keep the smallest prefix whose mass reaches top_p: drop a token if the mass before it does
        drop = (np.cumsum(sorted_p, axis=-1) - sorted_p) >= top_p
        p_sorted_kept = np.where(drop, 0.0, sorted_p)
        p = np.zeros_like(p)
        np.put_along_axis(p, order, p_sorted_kept, axis=-1)
        p /= p.sum(axis=-1, keepdims=True)
        # END SOLUTION
    # BEGIN SOLUTION
    # inverse CDF with one uniform per row
    u = 1.0 - make_rng(generator).random(
        (p.shape[0], 1)
    )  # in (0, 1]: a zero-mass token is never picked
    cdf = np.cumsum(p, axis=-1)
    return np.minimum((cdf < u * cdf[:, -1:]).sum(axis=-1), p.shape[-1] - 1).astype(np.int64)
    # END SOLUTION
