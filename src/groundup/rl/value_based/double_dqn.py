r"""Double DQN (van Hasselt, Guez and Silver, 2016): DQN with the overestimation taken out.

DQN's target $r + \gamma \max_{a'} Q_{\phi'}(s', a')$ uses one network both to *choose*
the next action and to *evaluate* it. With noisy estimates the max picks the actions
whose errors happen to be positive, so $\mathbb E[\max_a \hat Q] \ge \max_a \mathbb E[\hat Q]$
and the bias feeds back through bootstrapping. Double DQN lets the online network
choose and the target network evaluate:

$$a^* = \arg\max_{a'} Q_\phi(s', a'),\qquad y = r + \gamma^m\,(1 - \text{terminated})\,Q_{\phi'}(s', a^*).$$

Everything else — the replay buffer, $\epsilon$-greedy exploration, the Huber loss, the
hard target copies, the training schedule — is :class:`~groundup.rl.value_based.dqn.DQN`'s;
:class:`DoubleDQN` is DQN with ``double=True``, which makes
:func:`~groundup.rl.value_based.dqn.dqn_targets` call :func:`double_dqn_targets`.

>>> import numpy as np
>>> q_online = np.array([[4.0, 0.0]])    # the online net prefers action 0 ...
>>> q_target = np.array([[2.0, 5.0]])    # ... the target net values it at 2 (its own max is 5)
>>> double_dqn_targets(np.array([1.0]), q_online, q_target, np.array([0.0]), np.array([0.9]))
array([2.8])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import gymnasium as gym
import numpy as np

from groundup.rl.value_based.dqn import DQN, DQNConfig

__all__ = ["DoubleDQN", "double_dqn_targets"]


def double_dqn_targets(
    rewards: np.ndarray,
    next_q_online: np.ndarray,
    next_q_target: np.ndarray,
    terminated: np.ndarray,
    discounts: np.ndarray,
) -> np.ndarray:
    r"""$y = r + \gamma^m (1 - \text{terminated})\,Q_{\phi'}(s', \arg\max_{a'} Q_\phi(s', a'))$, shape ``(B,)``.

    Parameters
    ----------
    rewards, terminated, discounts : ndarray of shape ``(B,)``
        $r$ (the n-step return where ``n_step > 1``), the termination flag (a truncated
        transition still bootstraps), and $\gamma^m$.
    next_q_online, next_q_target : ndarray of shape ``(B, A)``
        $Q_\phi(s', \cdot)$ (chooses $a^*$) and $Q_{\phi'}(s', \cdot)$ (evaluates it).
    """
    B = len(rewards)
    for name, q in (("next_q_online", next_q_online), ("next_q_target", next_q_target)):
        if q.ndim != 2 or q.shape[0] != B:
            raise ValueError(f"{name} must have shape ({B}, num_actions), got {q.shape}")
    if next_q_online.shape != next_q_target.shape:
        raise ValueError(
            f"next_q_online {next_q_online.shape} and next_q_target {next_q_target.shape} differ"
        )
    # BEGIN SOLUTION
    # $a^* = \arg\max_{a'} Q_\phi(s', a')$: the online network chooses
    a_star = next_q_online.argmax(-1)  # (B,)
    # the target network evaluates the chosen action
    next_q = next_q_target[np.arange(B), a_star]  # (B,)
    return rewards + discounts * (1.0 - terminated) * next_q
    # END SOLUTION


class DoubleDQN(DQN):
    """:class:`~groundup.rl.value_based.dqn.DQN` with the Double DQN target (``config.double`` forced on)."""

    def __init__(
        self, config: DQNConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        super().__init__(replace(config or DQNConfig(), double=True), env_fn)
