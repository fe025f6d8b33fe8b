r"""PPO-RLHF: the per-token reward with a KL penalty, GAE over tokens, clipped policy and value losses.

InstructGPT's recipe (Ouyang et al., 2022; Ziegler et al., 2019), as TRL's
``PPOTrainer``. A completion $o_1..o_T$ is an episode whose actions are tokens. Each
token is charged the KL to the reference; the reward model's score $s$ is paid at the
last token:

$$r_t = -\beta\,\mathrm{KL}_t + [t = T]\,s,\qquad \mathrm{KL}_t = k_1 = \log\pi_\theta(o_t) - \log\pi_\text{ref}(o_t)
\ \ (\text{or } k_3).$$

A critic $V_\phi(s_t)$ (a scalar head) gives GAE advantages over the tokens,
$\delta_t = r_t + \gamma V_{t+1} - V_t$, $\hat A_t = \delta_t + \gamma\lambda\hat A_{t+1}$
(via :func:`groundup.rl.core.gae`, with $V = 0$ past the last token), returns
$\hat R_t = \hat A_t + V_t$; the advantages are whitened over the unmasked tokens.
The losses are masked token means:

$$L^\text{clip} = \operatorname{mean}_t \max\bigl(-\hat A_t\rho_t,\; -\hat A_t\operatorname{clip}(\rho_t, 1\pm\varepsilon)\bigr),\qquad
L^V = \tfrac12\operatorname{mean}_t \max\bigl((V_t - \hat R_t)^2,\; (\operatorname{clip}(V_t, V^\text{old}_t \pm\varepsilon_V) - \hat R_t)^2\bigr),$$

and the total is $L^\text{clip} + c_V L^V$ (TRL: $c_V = 0.1$, $\gamma = 1$, $\lambda = 0.95$,
$\beta = 0.05$, $\varepsilon = \varepsilon_V = 0.2$).

Implementation details (as TRL): the whitening uses the unbiased masked variance and
$1/\sqrt{\sigma^2 + 10^{-8}}$, keeps the mean shift, and sets padding to 0.

>>> import numpy as np
>>> r = per_token_rewards(np.zeros((1, 3)), np.zeros((1, 3)), np.array([2.0]), np.array([[1, 1, 0]]), kl_coef=0.1)
>>> r                                               # no KL: the score lands on the last real token
array([[0., 2., 0.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.alignment.kl import as_tensor, const, kl_k1, kl_k3
from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.elementwise import maximum
from groundup.rl.core.advantages import gae

__all__ = [
    "masked_mean",
    "masked_whiten",
    "per_token_rewards",
    "ppo_clip_loss",
    "ppo_value_loss",
    "token_gae",
]


def _last_index(mask: np.ndarray) -> np.ndarray:
    """Index of the last unmasked token of each row (0 for an empty row)."""
    L = mask.shape[1]
    return np.where(mask.any(axis=1), L - 1 - np.argmax(mask[:, ::-1] > 0, axis=1), 0)


def per_token_rewards(
    logprobs: Any,
    ref_logprobs: Any,
    scores: Any,
    mask: Any,
    kl_coef: float = 0.05,
    kl_estimator: str = "k1",
) -> np.ndarray:
    r"""$r_t = -\beta\,\mathrm{KL}_t + [t = T]\,s$, zero on padding.

    Parameters
    ----------
    logprobs, ref_logprobs : ndarray of shape ``(B, L)``
        $\log\pi_\theta(o_t)$ at rollout time and $\log\pi_\text{ref}(o_t)$.
    scores : ndarray of shape ``(B,)``
        $s$, the reward model's score of each completion.
    mask : ndarray of shape ``(B, L)``
    kl_coef : float
        $\beta$.
    kl_estimator : ``"k1"`` or ``"k3"``

    Returns
    -------
    ndarray of shape ``(B, L)``, float64
    """
    m = np.asarray(mask, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != m.shape[:1]:
        raise ValueError(f"scores must have shape ({m.shape[0]},), got {s.shape}")
    if kl_estimator not in ("k1", "k3"):
        raise ValueError(f"kl_estimator must be 'k1' or 'k3', got {kl_estimator!r}")
    estimator = kl_k1 if kl_estimator == "k1" else kl_k3
    kl = estimator(np.asarray(logprobs, np.float64), np.asarray(ref_logprobs, np.float64)).data
    # BEGIN SOLUTION
    # $r_t = -\beta\,\mathrm{KL}_t$ on completion tokens ...
    rewards = -kl_coef * kl * m  # (B, L)
    # ... $+ s$ at the last one
    rewards[np.arange(len(s)), _last_index(m)] += s
    # END SOLUTION
    return rewards


def token_gae(
    rewards: Any, values: Any, mask: Any, gamma: float = 1.0, lam: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    r"""GAE over the tokens of each completion: $\hat A_t$ and $\hat R_t = \hat A_t + V_t$.

    Parameters
    ----------
    rewards, values : ndarray of shape ``(B, L)``
        $r_t$ and $V(s_t)$; both are taken as 0 on padding.
    mask : ndarray of shape ``(B, L)``
    gamma, lam : float

    Returns
    -------
    advantages, returns : ndarray of shape ``(B, L)``, float64 (0 on padding)
    """
    m = np.asarray(mask, dtype=np.float64)
    r = np.asarray(rewards, dtype=np.float64) * m
    v = np.asarray(values, dtype=np.float64) * m
    if r.shape != m.shape or v.shape != m.shape:
        raise ValueError(f"rewards {r.shape}, values {v.shape} and mask {m.shape} differ")
    # BEGIN SOLUTION
    # $V_{t+1}$, with $V = 0$ after the last token
    v_next = np.concatenate([v[:, 1:], np.zeros_like(v[:, :1])], axis=1)  # (B, L)
    no_end = np.zeros(r.T.shape, dtype=bool)
    # time-major for the shared recursion: (L, B)
    adv, _ = gae(r.T, v.T, v_next.T, no_end, no_end, gamma=gamma, lam=lam)
    adv = adv.T * m  # (B, L)
    # END SOLUTION
    return adv, (adv + v) * m


def masked_mean(x: Any, mask: Any) -> Any:
    """$\\sum m x / \\sum m$ for a Tensor or an ndarray."""
    m = np.asarray(mask, dtype=getattr(x, "dtype", np.float64))
    return (x * m).sum() / max(float(m.sum()), 1.0)


def masked_whiten(x: Any, mask: Any, shift_mean: bool = True) -> np.ndarray:
    r"""$(x - \mu)/\sqrt{\sigma^2 + 10^{-8}}$ over the unmasked entries, unbiased $\sigma^2$; 0 on padding.

    >>> masked_whiten(np.array([[1.0, 3.0, 100.0]]), np.array([[1, 1, 0]])).round(4)
    array([[-0.7071,  0.7071,  0.    ]])
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(mask, dtype=np.float64)
    n = m.sum()
    # BEGIN SOLUTION
    mu = (x * m).sum() / max(n, 1.0)
    # unbiased: $\sigma^2 = \frac{n}{n-1}\operatorname{mean}_m (x - \mu)^2$
    var = ((x - mu) ** 2 * m).sum() / max(n, 1.0) * (n / (n - 1) if n > 1 else 1.0)
    whitened = (x - mu) / np.sqrt(var + 1e-8)
    # END SOLUTION
    if not shift_mean:
        whitened = whitened + mu
    return whitened * m


def ppo_clip_loss(
    logprobs: Tensor, old_logprobs: Any, advantages: Any, mask: Any, cliprange: float = 0.2
) -> tuple[Tensor, dict[str, float]]:
    r"""$L^\text{clip} = \operatorname{mean}_m \max(-\hat A_t\rho_t, -\hat A_t\operatorname{clip}(\rho_t, 1\pm\varepsilon))$.

    Parameters
    ----------
    logprobs : Tensor of shape ``(B, L)``
    old_logprobs, advantages, mask : ndarray of shape ``(B, L)``
        Per-token advantages (GAE), unlike GRPO's one per sequence.
    cliprange : float

    Returns
    -------
    loss : Tensor, scalar
    stats : dict with ``clipfrac`` and ``approxkl`` ($k_2$ between old and new, as TRL)
    """
    logprobs = as_tensor(logprobs)
    A = const(advantages, logprobs)
    if A.shape != logprobs.shape:
        raise ValueError(f"advantages {A.shape} must have the shape of logprobs {logprobs.shape}")
    # BEGIN SOLUTION
    # $\rho_t = \exp(\log\pi_\theta - \log\pi_{\theta_\text{old}})$
    log_rho = logprobs - const(old_logprobs, logprobs)  # (B, L)
    rho = log_rho.exp()  # (B, L)
    # $\max(-\hat A\rho, -\hat A\operatorname{clip}(\rho, 1\pm\varepsilon))$
    pg = maximum(-A * rho, -A * rho.clip(1.0 - cliprange, 1.0 + cliprange))  # (B, L)
    loss = masked_mean(pg, mask)
    # END SOLUTION
    lr = log_rho.data
    stats = {
        "clipfrac": float(masked_mean((np.abs(np.exp(lr) - 1.0) > cliprange) * 1.0, mask)),
        "approxkl": float(masked_mean(0.5 * lr**2, mask)),
    }
    return loss, stats


def ppo_value_loss(
    values: Tensor, old_values: Any, returns: Any, mask: Any, cliprange_value: float = 0.2
) -> Tensor:
    r"""$L^V = \tfrac12\operatorname{mean}_m\max((V - \hat R)^2, (\operatorname{clip}(V, V^\text{old}\pm\varepsilon_V) - \hat R)^2)$.

    Parameters
    ----------
    values : Tensor of shape ``(B, L)``
        $V_\phi(s_t)$ now.
    old_values, returns, mask : ndarray of shape ``(B, L)``
        $V^\text{old}_t$ at rollout time and $\hat R_t$.
    cliprange_value : float
        $\varepsilon_V$.

    Returns
    -------
    Tensor, scalar
    """
    values = as_tensor(values)
    V_old = const(old_values, values)
    R = const(returns, values)
    if V_old.shape != values.shape or R.shape != values.shape:
        raise ValueError(
            f"values {values.shape}, old_values {V_old.shape} and returns {R.shape} differ"
        )
    # BEGIN SOLUTION
    # $\operatorname{clip}(V, V^\text{old} - \varepsilon_V, V^\text{old} + \varepsilon_V)$
    v_clipped = (values - V_old).clip(-cliprange_value, cliprange_value) + V_old  # (B, L)
    # $\tfrac12 \max((V - \hat R)^2, (V^\text{clip} - \hat R)^2)$
    vf = maximum((values - R) ** 2, (v_clipped - R) ** 2)  # (B, L)
    return 0.5 * masked_mean(vf, mask)
    # END SOLUTION
