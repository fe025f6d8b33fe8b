r"""The two attention scorers of recurrent seq2seq: additive (Bahdanau) and dot (Luong).

A decoder state $s$ (the *query*) looks at the encoder outputs $h_1, \dots, h_S$ (the
*keys*, which are also the values): each gets a score $e_j$, the scores become weights
by a softmax over the source positions that are not padding, and the context is the
weighted mean of the encoder outputs:

$$\alpha_j = \frac{e^{e_j}}{\sum_{k \in \text{valid}} e^{e_k}},\qquad
c = \sum_j \alpha_j h_j.$$

* **Additive** (Bahdanau et al., 2015): $e_j = v^\top \tanh(W_q s + W_k h_j + b)$, a one
  hidden-layer network on the pair; works for any sizes of $s$ and $h$.
* **Dot** (Luong et al., 2015): $e_j = s^\top h_j$ ("dot"), or $s^\top W h_j$
  ("general") when the sizes differ or a learned metric is wanted.

The transformer's scaled dot-product attention (``nn_core/attention``) is the dot score
divided by $\sqrt{d}$, with separate value vectors and many heads.

>>> import numpy as np
>>> from groundup import Tensor
>>> attention = AdditiveAttention(4, 6, 8, generator=np.random.default_rng(0))
>>> s = Tensor(np.ones((2, 4), dtype=np.float32))
>>> h = Tensor(np.ones((2, 5, 6), dtype=np.float32))
>>> context, weights = attention(s, h)
>>> context.shape, weights.shape, np.allclose(weights.data.sum(-1), 1)
((2, 6), (2, 5), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, where
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.utils.seeding import make_rng

__all__ = ["AdditiveAttention", "DotAttention", "attend"]


def attend(scores: Tensor, keys: Tensor, mask: Any = None) -> tuple[Tensor, Tensor]:
    r"""Softmax over valid positions, then the weighted mean: $c = \sum_j \alpha_j h_j$.

    Parameters
    ----------
    scores : Tensor of shape ``(B, S)``
        $e_j$ for every source position.
    keys : Tensor of shape ``(B, S, K)``
        The encoder outputs $h_j$.
    mask : bool array of shape ``(B, S)``, optional
        ``True`` where the source position is a real token (padding is ``False``).

    Returns
    -------
    context : Tensor of shape ``(B, K)``
    weights : Tensor of shape ``(B, S)``, each row summing to 1
    """
    if mask is not None:
        mask = mask.data if isinstance(mask, Tensor) else np.asarray(mask, dtype=bool)
        if mask.shape != scores.shape:
            raise ValueError(
                f"attention: mask of shape {mask.shape} does not match the scores' "
                f"(batch, source) shape {tuple(scores.shape)}"
            )
        # BEGIN SOLUTION
        # a padded position gets weight $e^{-\infty} = 0$ (a large finite value keeps 0 * x finite)
        scores = where(mask, scores, Tensor(np.asarray(-1e9, dtype=scores.dtype)))
        # END SOLUTION
    # BEGIN SOLUTION
    # $\alpha = \mathrm{softmax}(e)$
    weights = scores.softmax(dim=-1)  # (B, S)
    # $c = \sum_j \alpha_j h_j$: a batch of (1, S) @ (S, K) products
    context = (weights.unsqueeze(1) @ keys).squeeze(1)  # (B, K)
    return context, weights
    # END SOLUTION


def _check(name: str, query: Tensor, keys: Tensor, query_size: int, key_size: int) -> None:
    if query.ndim != 2 or keys.ndim != 3 or query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"{name}: expected query (B, {query_size}) and keys (B, S, {key_size}), got "
            f"query {tuple(query.shape)} and keys {tuple(keys.shape)}"
        )
    if query.shape[1] != query_size or keys.shape[2] != key_size:
        raise ValueError(
            f"{name}: expected query_size={query_size} and key_size={key_size}, got query "
            f"{tuple(query.shape)} and keys {tuple(keys.shape)}"
        )


class AdditiveAttention(Module):
    r"""Bahdanau's score $e_j = v^\top \tanh(W_q s + W_k h_j + b)$.

    Parameters
    ----------
    query_size : int
        Size of the decoder state $s$.
    key_size : int
        Size of each encoder output $h_j$.
    attention_size : int
        Width of the hidden layer ($W_q$: ``(attention_size, query_size)``).
    generator : np.random.Generator, optional

    ``forward(query (B, query_size), keys (B, S, key_size), mask=None)`` returns
    ``(context (B, key_size), weights (B, S))``. ``keys_proj`` (from
    :meth:`project_keys`) skips recomputing $W_k h_j + b$ at every decoder step.
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        attention_size: int,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.query_size, self.key_size = query_size, key_size
        self.query_proj = Linear(query_size, attention_size, bias=False, generator=rng)
        self.key_proj = Linear(key_size, attention_size, generator=rng)
        self.v = Linear(attention_size, 1, bias=False, generator=rng)

    def project_keys(self, keys: Tensor) -> Tensor:
        r"""$W_k h_j + b$ for every source position, ``(B, S, attention_size)``: once per sequence."""
        return self.key_proj(keys)

    def forward(
        self, query: Tensor, keys: Tensor, mask: Any = None, keys_proj: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        _check("AdditiveAttention", query, keys, self.query_size, self.key_size)
        if keys_proj is None:
            keys_proj = self.project_keys(keys)  # (B, S, A)
        # BEGIN SOLUTION
        # $e_j = v^\top \tanh(W_q s + W_k h_j + b)$
        hidden = (self.query_proj(query).unsqueeze(1) + keys_proj).tanh()  # (B, S, A)
        scores = self.v(hidden).squeeze(-1)  # (B, S)
        return attend(scores, keys, mask)
        # END SOLUTION


class DotAttention(Module):
    r"""Luong's score $e_j = s^\top h_j$ (``general=False``) or $s^\top W h_j$ (``general=True``).

    Parameters
    ----------
    query_size, key_size : int
        Must be equal unless ``general``.
    general : bool
        Learn $W$ of shape ``(query_size, key_size)``.
    generator : np.random.Generator, optional
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        general: bool = False,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if not general and query_size != key_size:
            raise ValueError(
                f"DotAttention: s^T h needs query_size == key_size, got {query_size} and "
                f"{key_size}; use general=True to learn s^T W h"
            )
        self.query_size, self.key_size, self.general = query_size, key_size, general
        self.W = (
            Linear(query_size, key_size, bias=False, generator=make_rng(generator))
            if general
            else None
        )

    def project_keys(self, keys: Tensor) -> Tensor:
        """Nothing to precompute for the dot score: the keys themselves."""
        return keys

    def forward(
        self, query: Tensor, keys: Tensor, mask: Any = None, keys_proj: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        _check("DotAttention", query, keys, self.query_size, self.key_size)
        # BEGIN SOLUTION
        # $s^\top W h_j = (W^\top s)^\top h_j$: transform the query once, not every key
        q = self.W(query) if self.W is not None else query  # (B, K)
        # $e_j = q^\top h_j$
        scores = (keys @ q.unsqueeze(-1)).squeeze(-1)  # (B, S)
        return attend(scores, keys, mask)
        # END SOLUTION
