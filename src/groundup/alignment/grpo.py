r"""GRPO: group-relative advantages and the clipped per-token policy loss (Shao et al., 2024).

For each prompt $q$ the policy samples a group of $G$ completions $o_1..o_G$ with
rewards $R_1..R_G$. The group itself is the baseline — no critic:

$$\hat A_i = \frac{R_i - \operatorname{mean}(R_1..R_G)}{\operatorname{std}(R_1..R_G) + \varepsilon},$$

one advantage for every token of $o_i$. With the per-token ratio
$r_{i,t} = \pi_\theta(o_{i,t}|q, o_{i,<t}) / \pi_{\theta_\text{old}}(o_{i,t}|\ldots)$ the
loss of a token is PPO's clipped surrogate, plus an optional $k_3$ KL to the reference:

$$\ell_{i,t} = -\min\bigl(r_{i,t}\hat A_i,\;
\operatorname{clip}(r_{i,t}, 1-\varepsilon_\text{low}, 1+\varepsilon_\text{high})\,\hat A_i\bigr)
+ \beta\,k_3(i,t).$$

How the $\ell_{i,t}$ are averaged is where the variants differ (``loss_type``; $m$ is the
completion mask, $B$ the number of completions, $L_\max$ the longest allowed):

| ``loss_type`` | loss | who uses it |
|---|---|---|
| ``grpo`` | $\frac1B\sum_i \frac{\sum_t m_{i,t}\ell_{i,t}}{\sum_t m_{i,t}}$ | the GRPO paper; each sequence weighs the same, so a token of a short one weighs more |
| ``bnpo`` | $\sum_{i,t} m\ell / \sum_{i,t} m$ over the (local) batch | |
| ``dr_grpo`` | $\sum_{i,t} m\ell / (B\,L_\max)$ | Dr. GRPO (Liu et al., 2025): a constant normaliser |
| ``dapo`` | $\sum_{i,t} m\ell / N_\text{tokens}$ of the whole accumulated batch | DAPO (Yu et al., 2025) |

**Dr. GRPO** is two changes: the ``dr_grpo`` aggregation *and* no division by the std
(``scale_rewards="none"``). **DAPO** is clip-higher ($\varepsilon_\text{high} = 0.28 >
\varepsilon_\text{low} = 0.2$), the ``dapo`` aggregation and the three helpers of
:mod:`groundup.alignment.dapo`. **GSPO** and **SAPO** change the ratio and the clip
(``importance_sampling_level``, ``objective``; see :mod:`~groundup.alignment.gspo`,
:mod:`~groundup.alignment.sapo`).

Implementation details (as TRL's ``GRPOTrainer``): the std is the unbiased one
(Bessel, as ``torch.std``) plus $\varepsilon = 10^{-4}$; ``scale_rewards="batch"``
keeps the group mean and divides by the std of the whole batch; a sequence with no
unmasked token counts as length 1.

>>> import numpy as np
>>> adv, zero_std = group_advantages(np.array([1.0, 0.0, 0.0, 0.0]), num_generations=4)
>>> adv.round(3)                                   # (R - .25) / (.5 + 1e-4)
array([ 1.5, -0.5, -0.5, -0.5])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.alignment.kl import as_tensor, const, kl_k3
from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.elementwise import minimum

__all__ = ["LOSS_TYPES", "aggregate_loss", "clipped_token_loss", "group_advantages", "grpo_loss"]

LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")
SCALE_REWARDS = ("group", "batch", "none")


def group_advantages(
    rewards: Any, num_generations: int, scale_rewards: str = "group", eps: float = 1e-4
) -> tuple[np.ndarray, np.ndarray]:
    r"""$\hat A_i = (R_i - \operatorname{mean}_\text{group} R) / (\operatorname{std} R + \varepsilon)$.

    Parameters
    ----------
    rewards : ndarray of shape ``(B,)``
        $R_i$, grouped: completions ``g*G .. g*G + G - 1`` answer prompt ``g``.
    num_generations : int
        $G$, the group size; must divide ``B``.
    scale_rewards : ``"group"``, ``"batch"`` or ``"none"``
        Divide by the std of the group, of the whole batch, or not at all (Dr. GRPO).
    eps : float
        Added to the std.

    Returns
    -------
    advantages : ndarray of shape ``(B,)``, float64
    is_std_zero : bool ndarray of shape ``(B,)``
        Whether the completion's group had equal rewards (zero signal; DAPO drops them).
    """
    R = np.asarray(rewards, dtype=np.float64)
    G = int(num_generations)
    if R.ndim != 1 or G < 1 or R.size % G:
        raise ValueError(
            f"rewards must have shape (B,) with B a multiple of num_generations={G}, "
            f"got shape {R.shape}"
        )
    if scale_rewards not in SCALE_REWARDS:
        raise ValueError(f"scale_rewards must be one of {SCALE_REWARDS}, got {scale_rewards!r}")
    grouped = R.reshape(-1, G)  # (B/G, G)
    # BEGIN SOLUTION
    mean = np.repeat(grouped.mean(axis=1), G)  # (B,)
    group_std = np.repeat(grouped.std(axis=1, ddof=1) if G > 1 else np.zeros(len(grouped)), G)
    std = (
        np.full_like(R, R.std(ddof=1) if R.size > 1 else 0.0)
        if scale_rewards == "batch"
        else group_std
    )
    # $\hat A_i = R_i - \operatorname{mean}(R_\text{group})$ ...
    advantages = R - mean  # (B,)
    if scale_rewards != "none":
        # ... $/ (\operatorname{std} + \varepsilon)$
        advantages = advantages / (std + eps)
    # END SOLUTION
    return advantages, np.isclose(group_std, 0.0)


def clipped_token_loss(
    log_ratio: Tensor,
    advantages: Any,
    epsilon_low: float = 0.2,
    epsilon_high: float | None = None,
    delta: float | None = None,
) -> tuple[Tensor, Tensor]:
    r"""$\ell_t = -\min(r_t \hat A, \operatorname{clip}(r_t, 1-\varepsilon_\text{low}, 1+\varepsilon_\text{high})\hat A)$.

    Parameters
    ----------
    log_ratio : Tensor of shape ``(B, L)`` (or ``(B, 1)``: one ratio per sequence)
        $\log r_t = \log\pi_\theta - \log\pi_{\theta_\text{old}}$.
    advantages : ndarray of shape ``(B,)``
        $\hat A_i$, one per completion.
    epsilon_low, epsilon_high : float
        Clip range; ``epsilon_high=None`` is ``epsilon_low`` (symmetric, PPO's).
    delta : float, optional
        Upper bound on the unclipped ratio (INTELLECT-2's two-sided clip).

    Returns
    -------
    loss : Tensor of the shape of ``log_ratio``
    ratio : Tensor of the same shape, $r_t$
    """
    eps_high = epsilon_low if epsilon_high is None else epsilon_high
    A = const(advantages, log_ratio)[:, None]  # (B, 1)
    # BEGIN SOLUTION
    # $r_t = e^{\log r_t}$
    ratio = log_ratio.exp()  # (B, L)
    clipped = ratio.clip(1.0 - epsilon_low, 1.0 + eps_high)  # (B, L)
    unclipped = ratio if delta is None else ratio.clip(None, delta)
    # $\ell_t = -\min(r_t \hat A, \operatorname{clip}(r_t)\hat A)$
    loss = -minimum(unclipped * A, clipped * A)  # (B, L)
    # END SOLUTION
    return loss, ratio


def aggregate_loss(
    per_token_loss: Tensor,
    mask: Any,
    loss_type: str = "grpo",
    max_completion_length: int | None = None,
    num_items_in_batch: float | None = None,
) -> Tensor:
    r"""Average the masked per-token losses as ``grpo``, ``bnpo``, ``dr_grpo`` or ``dapo``.

    Parameters
    ----------
    per_token_loss : Tensor of shape ``(B, L)``
    mask : ndarray of shape ``(B, L)``
        1 on completion tokens, 0 on padding (and on filtered completions).
    loss_type : str
        One of :data:`LOSS_TYPES` (see the module docstring for the formulas).
    max_completion_length : int, optional
        $L_\max$ of ``dr_grpo``; default ``L``.
    num_items_in_batch : float, optional
        ``dapo``'s token count over the whole accumulated batch; default ``mask.sum()``.

    Returns
    -------
    Tensor, scalar
    """
    m = const(mask, per_token_loss)
    if m.shape != per_token_loss.shape:
        raise ValueError(
            f"mask has shape {m.shape} but the per-token loss has shape {per_token_loss.shape}"
        )
    B, L = m.shape
    masked = per_token_loss * m  # (B, L)
    # BEGIN SOLUTION
    if loss_type == "grpo":
        # $\frac1B \sum_i \frac{\sum_t m_{i,t}\ell_{i,t}}{\sum_t m_{i,t}}$
        return (masked.sum(-1) / np.maximum(m.sum(-1), 1.0)).mean()
    if loss_type == "bnpo":
        # $\sum_{i,t} m\ell / \sum_{i,t} m$
        return masked.sum() / max(m.sum(), 1.0)
    if loss_type == "dr_grpo":
        # $\sum_{i,t} m\ell / (B L_\max)$
        return masked.sum() / (B * (L if max_completion_length is None else max_completion_length))
    if loss_type == "dapo":
        # $\sum_{i,t} m\ell / N_\text{tokens}$
        n = m.sum() if num_items_in_batch is None else num_items_in_batch
        return masked.sum() / max(float(n), 1.0)
    # END SOLUTION
    raise ValueError(f"loss_type must be one of {LOSS_TYPES}, got {loss_type!r}")


def grpo_loss(
    logprobs: Tensor,
    old_logprobs: Any,
    advantages: Any,
    mask: Any,
    *,
    loss_type: str = "grpo",
    epsilon_low: float = 0.2,
    epsilon_high: float | None = None,
    beta: float = 0.0,
    ref_logprobs: Any = None,
    importance_sampling_level: str = "token",
    objective: str = "clip",
    tau_pos: float = 1.0,
    tau_neg: float = 1.05,
    delta: float | None = None,
    max_completion_length: int | None = None,
    num_items_in_batch: float | None = None,
) -> tuple[Tensor, dict[str, float]]:
    r"""The GRPO-family loss of one batch and its statistics.

    Parameters
    ----------
    logprobs : Tensor of shape ``(B, L)``
        $\log\pi_\theta(o_{i,t})$ of the sampled tokens, differentiable.
    old_logprobs : ndarray of shape ``(B, L)``
        $\log\pi_{\theta_\text{old}}(o_{i,t})$ from the rollout (constants).
    advantages : ndarray of shape ``(B,)``
    mask : ndarray of shape ``(B, L)``
    loss_type : ``"grpo"``, ``"bnpo"``, ``"dr_grpo"`` or ``"dapo"``
    epsilon_low, epsilon_high : float
        The clip range (DAPO's clip-higher: 0.2 and 0.28; GSPO: 3e-4 and 4e-4).
    beta : float
        Weight of the $k_3$ KL to ``ref_logprobs`` (0: no reference needed).
    importance_sampling_level : ``"token"``, ``"sequence"`` or ``"sequence_token"``
        Per-token ratio (GRPO), GSPO's sequence ratio, or GSPO-token.
    objective : ``"clip"``, ``"sapo"`` or ``"cispo"``
        PPO's hard clip, SAPO's soft gate ($\tau_\text{pos}$, $\tau_\text{neg}$), or CISPO's
        clipped-weight REINFORCE (weights $\operatorname{sg}[\min(r, \varepsilon_\text{high})]$).
    delta : float, optional
        Two-sided clip of the unclipped ratio.
    max_completion_length, num_items_in_batch
        See :func:`aggregate_loss`.

    Returns
    -------
    loss : Tensor, scalar
    stats : dict
        ``clip_low``, ``clip_high`` (fractions of masked tokens clipped at each side where
        it binds), ``ratio_mean``, ``ratio_std``, ``ratio_min``, ``ratio_max``, and ``kl_k3``.

    >>> import numpy as np
    >>> from groundup import Tensor
    >>> logp = Tensor(np.log(np.full((2, 3), 0.5)), requires_grad=True)
    >>> loss, stats = grpo_loss(logp, logp.detach().numpy(), np.array([1.0, -1.0]), np.ones((2, 3)))
    >>> float(loss.item()), stats["clip_low"]          # r = 1: -(1 - 1)/2
    (0.0, 0.0)
    """
    from groundup.alignment.gspo import sequence_log_ratio
    from groundup.alignment.sapo import sapo_token_loss

    logprobs = as_tensor(logprobs)
    old = const(old_logprobs, logprobs)
    m = const(mask, logprobs)
    A = const(advantages, logprobs)
    if old.shape != logprobs.shape or m.shape != logprobs.shape:
        raise ValueError(
            f"logprobs {logprobs.shape}, old_logprobs {old.shape} and mask {m.shape} "
            "must have one shape (B, L)"
        )
    if A.shape != (logprobs.shape[0],):
        raise ValueError(
            f"advantages must have shape (B,) = ({logprobs.shape[0]},), one per completion, "
            f"got {A.shape}"
        )
    eps_high = epsilon_low if epsilon_high is None else epsilon_high
    # $\log r_{i,t} = \log\pi_\theta - \log\pi_{\theta_\text{old}}$
    log_ratio = logprobs - old  # (B, L)
    if importance_sampling_level == "token":
        log_w = log_ratio  # (B, L)
    elif importance_sampling_level in ("sequence", "sequence_token"):
        log_w = sequence_log_ratio(logprobs, old, m, token=importance_sampling_level != "sequence")
    else:
        raise ValueError(
            "importance_sampling_level must be 'token', 'sequence' or 'sequence_token', "
            f"got {importance_sampling_level!r}"
        )
    if objective == "clip":
        per_token, ratio = clipped_token_loss(log_w, A, epsilon_low, eps_high, delta)
    elif objective == "sapo":
        per_token, ratio = sapo_token_loss(log_w, A, tau_pos, tau_neg)
    elif objective == "cispo":
        ratio = log_w.exp()
        # $\ell_t = -\operatorname{sg}[\min(r_t, \varepsilon_\text{high})]\,\hat A\,\log\pi_\theta(o_t)$
        weight = np.minimum(ratio.data, eps_high).astype(logprobs.dtype)  # (B, L), no gradient
        per_token = -(logprobs * (weight * A[:, None]))
    else:
        raise ValueError(f"objective must be 'clip', 'sapo' or 'cispo', got {objective!r}")
    per_token = per_token * np.ones(m.shape, dtype=m.dtype)  # a (B, 1) sequence loss on every token
    stats: dict[str, float] = {}
    if beta != 0.0:
        if ref_logprobs is None:
            raise ValueError("grpo_loss: beta != 0 needs ref_logprobs (the reference model's)")
        kl = kl_k3(logprobs, ref_logprobs)  # (B, L)
        # $\ell_{i,t} \mathrel{+}= \beta\, k_3$
        per_token = per_token + beta * kl
        stats["kl_k3"] = float((kl.data * m).sum() / max(m.sum(), 1.0))
    loss = aggregate_loss(per_token, m, loss_type, max_completion_length, num_items_in_batch)
    stats.update(_ratio_stats(ratio.data * np.ones(m.shape), A, m, epsilon_low, eps_high))
    return loss, stats


def _ratio_stats(
    r: np.ndarray, A: np.ndarray, m: np.ndarray, eps_low: float, eps_high: float
) -> dict[str, float]:
    """Clip fractions where the clip binds (low: A < 0, r < 1-eps; high: A > 0, r > 1+eps)."""
    n = max(m.sum(), 1.0)
    on = m > 0
    low = (r < 1.0 - eps_low) & (A[:, None] < 0)
    high = (r > 1.0 + eps_high) & (A[:, None] > 0)
    vals = r[on] if on.any() else np.ones(1)
    return {
        "clip_low": float((low * m).sum() / n),
        "clip_high": float((high * m).sum() / n),
        "ratio_mean": float(vals.mean()),
        "ratio_std": float(vals.std()),
        "ratio_min": float(vals.min()),
        "ratio_max": float(vals.max()),
    }
