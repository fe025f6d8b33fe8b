r"""Reward models: a scalar head on the GPT trunk, trained with the Bradley–Terry loss.

A reward model $r_\phi(x, y)$ reads prompt and completion and outputs one number: a
Linear head $\mathbb R^{d}\to\mathbb R$ on the trunk's last hidden state of the last
real token. Human (or synthetic) labels say which of two completions is better,
$y_w \succ y_l$. Bradley–Terry models that choice as

$$P(y_w \succ y_l) = \sigma\bigl(r_\phi(x, y_w) - r_\phi(x, y_l)\bigr),$$

so the loss is the negative log-likelihood, with an optional margin $m$ (Llama 2: a
larger margin for a clearer preference) and an optional centring term that keeps the
rewards near 0 (Eisenstein et al., 2023; TRL's ``center_rewards_coefficient`` $\eta$):

$$\mathcal L_\text{BT} = -\log\sigma(r_w - r_l - m) + \eta\,(r_w + r_l)^2
\quad\text{(batch means)}.$$

The same head on every position is PPO's critic $V_\phi(s_t)$ (``values``).

>>> import numpy as np
>>> loss, stats = bradley_terry_loss(np.array([2.0, 0.0]), np.array([0.0, 1.0]))
>>> stats["accuracy"], stats["margin"]             # first pair right, second wrong
(0.5, 0.5)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.alignment.kl import as_tensor
from groundup.alignment.policy import gpt_hidden_states
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.sigmoid import logsigmoid
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module

__all__ = ["ScalarHeadModel", "bradley_terry_loss", "last_token_index"]


def last_token_index(mask: Any) -> np.ndarray:
    """Index of the last 1 in each row of ``mask`` ``(B, T)`` (0 for an empty row)."""
    m = np.asarray(mask) > 0
    T = m.shape[1]
    return np.where(m.any(axis=1), T - 1 - np.argmax(m[:, ::-1], axis=1), 0)


class ScalarHeadModel(Module):
    """A GPT trunk with a scalar head: rewards (last real token) or values (every position).

    Parameters
    ----------
    trunk : GPT
        Its ``lm_head`` is not used.
    generator : np.random.Generator or int, optional
        For the head's initial values.

    >>> import numpy as np
    >>> from groundup.sequence.transformers.gpt import GPT, GPTConfig
    >>> gpt = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=4), generator=0)
    >>> rm = ScalarHeadModel(gpt, generator=0)
    >>> rm(np.zeros((2, 3), dtype=np.int64), np.array([[1, 1, 0], [1, 1, 1]])).shape
    (2,)
    """

    def __init__(self, trunk: Module, generator: Any = None) -> None:
        super().__init__()
        self.trunk = trunk
        n_embd = trunk.config.n_embd
        self.score = Linear(
            n_embd, 1, dtype=trunk.transformer.wte.weight.dtype, generator=generator
        )

    def values(self, idx: Any) -> Tensor:
        r"""$V_\phi$ at every position, ``(B, T)``."""
        h = gpt_hidden_states(self.trunk, idx)  # (B, T, C)
        return self.score(h).squeeze(-1)  # (B, T)

    def forward(self, idx: Any, attention_mask: Any = None) -> Tensor:
        r"""$r_\phi(x, y)$ read at the last token where ``attention_mask`` is 1, ``(B,)``."""
        idx = np.asarray(idx, dtype=np.int64)
        v = self.values(idx)  # (B, T)
        last = (
            np.full(idx.shape[0], idx.shape[1] - 1)
            if attention_mask is None
            else last_token_index(attention_mask)
        )
        return v[np.arange(idx.shape[0]), last]  # (B,)


def bradley_terry_loss(
    rewards_chosen: Any,
    rewards_rejected: Any,
    margin: Any = None,
    center_rewards_coefficient: float = 0.0,
) -> tuple[Tensor, dict[str, float]]:
    r"""$\mathcal L = \operatorname{mean}[-\log\sigma(r_w - r_l - m)] + \eta\operatorname{mean}[(r_w + r_l)^2]$.

    Parameters
    ----------
    rewards_chosen, rewards_rejected : Tensor of shape ``(B,)``
        $r_\phi(x, y_w)$ and $r_\phi(x, y_l)$.
    margin : ndarray of shape ``(B,)``, optional
        $m$ per pair.
    center_rewards_coefficient : float
        $\eta$ (TRL's name; the paper's 0.01).

    Returns
    -------
    loss : Tensor, scalar
    stats : dict
        ``accuracy`` (fraction with $r_w > r_l$) and ``margin`` (mean $r_w - r_l$).
    """
    r_w = as_tensor(rewards_chosen)
    r_l = as_tensor(rewards_rejected, r_w)
    if r_w.shape != r_l.shape or len(r_w.shape) != 1:
        raise ValueError(
            f"rewards_chosen and rewards_rejected must share one shape (B,), got "
            f"{r_w.shape} and {r_l.shape}"
        )
    # BEGIN SOLUTION
    diff = r_w - r_l  # (B,)
    if margin is not None:
        diff = diff - np.asarray(margin, dtype=r_w.dtype)
    # $-\log\sigma(r_w - r_l - m)$
    loss = -logsigmoid(diff).mean()
    if center_rewards_coefficient:
        # $+\ \eta\,(r_w + r_l)^2$
        loss = loss + center_rewards_coefficient * ((r_w + r_l) ** 2).mean()
    # END SOLUTION
    d = r_w.data - r_l.data
    return loss, {"accuracy": float((d > 0).mean()), "margin": float(d.mean())}
