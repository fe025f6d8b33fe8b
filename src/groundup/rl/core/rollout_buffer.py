r"""On-policy rollouts: ``num_steps`` steps of ``N`` environments, with GAE advantages.

A2C and PPO share this collector. At every step it records $s_t, a_t,
\log\pi(a_t \mid s_t), V(s_t), r_t$ and both end flags, and $V(s'_t)$ of the state the
transition really reached — the final observation where an episode ended (same-step
autoreset, :func:`~groundup.rl.core.envs.final_observations`) — so that truncated
episodes are bootstrapped and terminated ones are not. :func:`~groundup.rl.core.advantages.gae`
then gives $\hat A_t$ and $\hat R_t = \hat A_t + V(s_t)$, all time-major ``(T, N)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.rl.core.advantages import gae
from groundup.rl.core.envs import final_observations

__all__ = ["Rollout", "RolloutCollector"]


@dataclass
class Rollout:
    """One rollout, time-major ``(T, N, ...)``."""

    obs: np.ndarray
    """$s_t$, shape ``(T, N, obs_dim)``."""
    actions: np.ndarray
    """$a_t$ as sampled (before clipping to the action box), ``(T, N, ...)``."""
    log_probs: np.ndarray
    r"""$\log\pi_{\theta_\text{old}}(a_t \mid s_t)$, ``(T, N)``."""
    values: np.ndarray
    """$V(s_t)$, ``(T, N)``."""
    advantages: np.ndarray
    r"""GAE $\hat A_t$, ``(T, N)``."""
    returns: np.ndarray
    r"""Value targets $\hat R_t$, ``(T, N)``."""
    episode_returns: list[float] = field(default_factory=list)
    """Undiscounted returns of the episodes that ended during the rollout."""


class RolloutCollector:
    """Steps a vector env with a policy and a value function, keeping the envs' state between calls.

    Parameters
    ----------
    envs : gymnasium.vector.VectorEnv
        Made with same-step autoreset (:func:`~groundup.rl.core.envs.make_vector_env`).
    policy, value : Module
        ``policy(obs) -> distribution``, ``value(obs) -> (N,)``.
    gamma, lam : float
        GAE's discount and $\\lambda$.
    env_action : callable
        Maps the sampled actions to what the env receives (e.g. clipping to the box).
    """

    def __init__(
        self,
        envs: Any,
        policy: Any,
        value: Any,
        gamma: float,
        lam: float,
        env_action: Callable[[np.ndarray], np.ndarray] = lambda a: a,
        seed: int = 0,
    ) -> None:
        self.envs, self.policy, self.value = envs, policy, value
        self.gamma, self.lam, self.env_action = gamma, lam, env_action
        self.obs, _ = envs.reset(seed=seed)
        self.episode_return = np.zeros(envs.num_envs)

    def collect(self, num_steps: int, rng: np.random.Generator) -> Rollout:
        T, N = num_steps, self.envs.num_envs
        obs = np.zeros((T, N, *self.obs.shape[1:]), np.float32)
        actions, log_probs, values, rewards, next_values = [], [], [], [], []
        terminated = np.zeros((T, N), bool)
        truncated = np.zeros((T, N), bool)
        finished: list[float] = []
        for t in range(T):
            obs[t] = self.obs
            with no_grad():
                o = Tensor(self.obs.astype(np.float32))
                dist = self.policy(o)
                a = dist.sample(rng)
                log_probs.append(dist.log_prob(a).numpy())
                values.append(self.value(o).numpy())
            next_obs, r, term, trunc, info = self.envs.step(self.env_action(a))
            done = term | trunc
            # $s'_t$: the final observation where an episode ended (same-step autoreset)
            real_next = final_observations(next_obs, info, done)
            with no_grad():
                next_values.append(self.value(Tensor(real_next.astype(np.float32))).numpy())
            actions.append(a)
            rewards.append(r)
            terminated[t], truncated[t] = term, trunc
            self.episode_return += r
            finished.extend(self.episode_return[done].tolist())
            self.episode_return[done] = 0.0
            self.obs = next_obs
        values_a = np.asarray(values)
        advantages, returns = gae(
            np.asarray(rewards),
            values_a,
            np.asarray(next_values),
            terminated,
            truncated,
            gamma=self.gamma,
            lam=self.lam,
        )
        return Rollout(
            obs, np.asarray(actions), np.asarray(log_probs), values_a, advantages, returns, finished
        )
