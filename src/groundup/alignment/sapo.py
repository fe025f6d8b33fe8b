r"""SAPO: a soft, smooth gate in place of the hard clip (Qwen team, 2025, "Soft Adaptive Policy Optimization").

PPO's clip drops a token's gradient as soon as its ratio leaves $[1-\varepsilon,
1+\varepsilon]$. SAPO replaces $\min(r\hat A, \operatorname{clip}(r)\hat A)$ by a
sigmoid of the ratio, with a temperature for each sign of the advantage:

$$\ell_t = -\frac{4}{\tau}\,\sigma\bigl(\tau\,(r_t - 1)\bigr)\,\hat A,\qquad
\tau = \begin{cases}\tau_\text{pos} & \hat A > 0\\ \tau_\text{neg} & \hat A \le 0.\end{cases}$$

Its gradient is $-\hat A\cdot 4\sigma(1-\sigma)\,r_t\,\nabla\log\pi_\theta
= -\hat A\cdot\operatorname{sech}^2(\tau(r_t-1)/2)\,r_t\,\nabla\log\pi_\theta$: exactly
GRPO's at $r = 1$ (so on-policy SAPO is GRPO), fading smoothly as $r$ moves away. The
paper takes $\tau_\text{neg} > \tau_\text{pos}$ (1.05 vs 1.0): a negative advantage
pushes probability onto the many unsampled tokens, so its gate closes sooner.

>>> import numpy as np
>>> from groundup import Tensor
>>> loss, r = sapo_token_loss(Tensor(np.zeros((1, 2))), np.array([2.0]))   # r = 1: sigma(0) = 1/2
>>> loss.numpy()                                   # -(4/1) * 1/2 * 2
array([[-4., -4.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor

__all__ = ["sapo_token_loss"]


def sapo_token_loss(
    log_ratio: Tensor, advantages: Any, tau_pos: float = 1.0, tau_neg: float = 1.05
) -> tuple[Tensor, Tensor]:
    r"""$\ell_t = -\frac4\tau\sigma(\tau(r_t - 1))\hat A$ with $\tau = \tau_\text{pos}$ or $\tau_\text{neg}$.

    Parameters
    ----------
    log_ratio : Tensor of shape ``(B, L)`` or ``(B, 1)``
        $\log r_t$.
    advantages : ndarray of shape ``(B,)``
    tau_pos, tau_neg : float
        Temperatures for positive and non-positive advantages (both $> 0$).

    Returns
    -------
    loss, ratio : Tensor of the shape of ``log_ratio``
    """
    if tau_pos <= 0 or tau_neg <= 0:
        raise ValueError(f"tau_pos and tau_neg must be > 0, got {tau_pos}, {tau_neg}")
    A = np.asarray(advantages, dtype=log_ratio.dtype)[:, None]  # (B, 1)
    # BEGIN SOLUTION
    tau = np.where(A > 0, tau_pos, tau_neg).astype(A.dtype)  # (B, 1)
    ratio = log_ratio.exp()  # (B, L)
    # $\ell_t = -\frac{4}{\tau}\sigma(\tau(r_t - 1))\hat A$
    loss = -((ratio - 1.0) * tau).sigmoid() * (4.0 / tau * A)  # (B, L)
    # END SOLUTION
    return loss, ratio
