r"""The transformer encoder (Vaswani et al., 2017), as ``torch.nn.TransformerEncoderLayer``.

One layer is self-attention followed by a position-wise feed-forward network, each
wrapped in a residual connection and a LayerNorm. Two placements of the norm:

post-norm (the paper, ``norm_first=False``):
$$x \leftarrow \mathrm{LN}_1(x + \mathrm{SA}(x)),\qquad x \leftarrow \mathrm{LN}_2(x + \mathrm{FF}(x));$$

pre-norm (GPT-2 and most models since, ``norm_first=True``; trains without warm-up
tricks because the residual path is never normalised):
$$x \leftarrow x + \mathrm{SA}(\mathrm{LN}_1(x)),\qquad x \leftarrow x + \mathrm{FF}(\mathrm{LN}_2(x)),$$

with $\mathrm{FF}(x) = W_2\,\mathrm{act}(W_1 x + b_1) + b_2$ (ReLU or GELU, hidden width
``dim_feedforward``). Parameter names are PyTorch's (``self_attn``, ``linear1``,
``linear2``, ``norm1``, ``norm2``), so its state dicts load as they are.

>>> import numpy as np
>>> from groundup import Tensor
>>> layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
>>> TransformerEncoder(layer, 2)(Tensor(np.ones((1, 3, 8), dtype=np.float32))).shape
(1, 3, 8)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.gelu import gelu
from groundup.nn_core.activations.relu import relu
from groundup.nn_core.attention.multihead import MultiheadAttention
from groundup.nn_core.containers import ModuleList
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.layernorm import LayerNorm
from groundup.nn_core.regularization.dropout import Dropout
from groundup.utils.seeding import make_rng

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    """Self-attention + feed-forward, post-norm or pre-norm (``torch.nn.TransformerEncoderLayer``).

    Parameters
    ----------
    d_model, nhead : int
    dim_feedforward : int
        Hidden width of the feed-forward network.
    dropout : float
        After attention, inside and after the feed-forward network (training only).
    activation : {"relu", "gelu"} or callable
    layer_norm_eps : float
    batch_first : bool
        ``(N, S, E)`` inputs if True, else ``(S, N, E)``.
    norm_first : bool
        Pre-norm if True.
    bias : bool
    dtype, generator :
        Parameter dtype; generator for the initial values and dropout.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"activation should be relu/gelu, not {activation}")
            activation = _ACTIVATIONS[activation]
        self.activation = activation
        self.norm_first, self.batch_first = norm_first, batch_first
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout, bias, batch_first=batch_first, dtype=dtype, generator=rng
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, generator=rng)
        self.dropout = Dropout(dropout, generator=rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, generator=rng)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, generator=rng)
        self.dropout2 = Dropout(dropout, generator=rng)

    def _sa_block(
        self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool
    ) -> Tensor:
        out = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # $\mathrm{FF}(x) = W_2\,\mathrm{act}(W_1 x + b_1) + b_2$
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
        # END SOLUTION

    def forward(
        self,
        src: Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        """``src`` ``(N, S, E)`` or ``(S, N, E)`` -> the same shape. Masks as `MultiheadAttention`'s."""
        # BEGIN SOLUTION
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x
        # END SOLUTION


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` and an optional final ``norm``.

    Each copy starts from the same initial values (a deep copy, as PyTorch).
    """

    def __init__(
        self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        # BEGIN SOLUTION
        x = src
        for layer in self.layers:
            x = layer(x, mask, src_key_padding_mask, is_causal)
        return self.norm(x) if self.norm is not None else x
        # END SOLUTION
