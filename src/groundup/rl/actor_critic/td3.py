r"""Twin Delayed DDPG (Fujimoto et al., 2018): DDPG with three fixes for overestimation.

DDPG's critic is trained towards its own (noisy, optimistically biased) estimates, and
the actor exploits the critic's errors. TD3 changes three things (the rest is
:mod:`~groundup.rl.actor_critic.ddpg`):

1. **Clipped double Q.** Two critics; the target takes the smaller of the two:
   $y = r + \gamma^m (1 - \text{term}) \min_{j=1,2} Q_{\phi'_j}(s', \tilde a')$, and both
   critics regress on it, $L_Q = \sum_j \mathbb E\big[(Q_{\phi_j}(s, a) - y)^2\big]$.
2. **Target policy smoothing.** The next action is the target actor's plus clipped noise,
   so the target averages $Q$ over a small neighbourhood instead of trusting a sharp peak:
   $$\tilde a' = \text{clip}\Big(\mu_{\theta'}(s') + c\,\text{clip}(\epsilon, -\bar c, \bar c),\ \text{low},\ \text{high}\Big),
   \qquad \epsilon \sim \mathcal N(0, \tilde\sigma^2)$$
   with $\tilde\sigma = 0.2$, $\bar c = 0.5$ and $c$ half the action range.
3. **Delayed policy updates.** The actor $L_\mu = -\mathbb E[Q_{\phi_1}(s, \mu_\theta(s))]$
   and all targets are updated once every ``policy_delay`` (2) critic updates, so
   the actor follows a critic that has had time to settle.

Defaults are rl-baselines3-zoo's Pendulum-v1 setting (−152 ± 90 at 20k steps), the
same as DDPG's plus the three above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.rl.actor_critic.ddpg import DDPG, DDPGConfig, ddpg_targets
from groundup.rl.core.value_functions import TwinQFunction, polyak_update

__all__ = ["TD3", "TD3Config", "td3_target_actions"]


@dataclass
class TD3Config(DDPGConfig):
    """TD3's hyperparameters: DDPG's plus the three fixes (defaults: the zoo's Pendulum-v1)."""

    policy_delay: int = 2
    """Critic updates per actor (and target) update."""
    target_policy_noise: float = 0.2
    r"""Std $\tilde\sigma$ of the target smoothing noise, as a fraction of half the action range."""
    target_noise_clip: float = 0.5
    r"""The smoothing noise is clipped to $[-\bar c, \bar c]$ (same units)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.policy_delay < 1:
            raise ValueError(f"TD3Config.policy_delay must be positive, got {self.policy_delay}")
        if self.target_policy_noise < 0 or self.target_noise_clip < 0:
            raise ValueError(
                "TD3Config.target_policy_noise and target_noise_clip must be >= 0, got "
                f"{self.target_policy_noise} and {self.target_noise_clip}"
            )


def td3_target_actions(
    next_mu: np.ndarray,
    noise: np.ndarray,
    noise_clip: float,
    low: np.ndarray,
    high: np.ndarray,
) -> np.ndarray:
    r"""$\tilde a' = \text{clip}(\mu_{\theta'}(s') + c\,\text{clip}(\epsilon, -\bar c, \bar c), \text{low}, \text{high})$.

    Parameters
    ----------
    next_mu : ndarray of shape ``(B, A)``
        The target actor's actions $\mu_{\theta'}(s')$.
    noise : ndarray of shape ``(B, A)``
        $\epsilon \sim \mathcal N(0, \tilde\sigma^2)$, in units of half the action range $c$.
    noise_clip : float
        $\bar c$.
    low, high : ndarray of shape ``(A,)``
        The action bounds; $c = (\text{high} - \text{low}) / 2$.

    >>> td3_target_actions(np.array([[0.0], [1.9]]), np.array([[0.9], [0.3]]), 0.5,
    ...                    np.array([-2.0]), np.array([2.0]))
    array([[1.],
           [2.]])
    """
    if noise.shape != next_mu.shape:
        raise ValueError(f"noise must have next_mu's shape {next_mu.shape}, got {noise.shape}")
    # BEGIN SOLUTION
    scale = (high - low) / 2
    # $\tilde a' = \text{clip}(\mu' + c\,\text{clip}(\epsilon, -\bar c, \bar c), \text{low}, \text{high})$
    smoothed = next_mu + scale * np.clip(noise, -noise_clip, noise_clip)
    return np.clip(smoothed, low, high)
    # END SOLUTION


class TD3(DDPG):
    """The TD3 agent: ``TD3(TD3Config(...)).learn()`` trains it; ``act`` runs $\\mu_\\theta$."""

    name = "TD3"
    config: TD3Config

    @staticmethod
    def default_config() -> TD3Config:
        return TD3Config()

    def make_critic(self, obs_dim: int, rng: np.random.Generator) -> Any:
        """TD3's twin critics $Q_{\\phi_1}, Q_{\\phi_2}$."""
        return TwinQFunction(obs_dim, self.action_dim, self.config.hidden_sizes, generator=rng)

    def critic_loss(self, b: Any) -> Tensor:
        """$L_Q = \\sum_j \\mathbb E[(Q_{\\phi_j}(s, a) - y)^2]$ with the smoothed, clipped-double target."""
        cfg = self.config
        with no_grad():
            next_obs = Tensor(b.next_observations)
            next_mu = self.actor_target(next_obs).numpy()  # (B, A)
            noise = cfg.target_policy_noise * self.rng.standard_normal(next_mu.shape)
            next_a = td3_target_actions(next_mu, noise, cfg.target_noise_clip, self.low, self.high)
            q1_t, q2_t = self.qf_target(next_obs, Tensor(next_a.astype(np.float32)))
            # BEGIN SOLUTION
            # clipped double Q: $\min_j Q_{\phi'_j}(s', \tilde a')$
            next_q = np.minimum(q1_t.numpy(), q2_t.numpy())  # (B,)
            # END SOLUTION
        y = Tensor(ddpg_targets(b.rewards, next_q, b.terminated, b.discounts).astype(np.float32))
        q1, q2 = self.qf(Tensor(b.observations), Tensor(b.actions))  # (B,) each
        assert q1.shape == y.shape, (q1.shape, y.shape)
        return ((q1 - y) ** 2).mean() + ((q2 - y) ** 2).mean()

    def actor_loss(self, b: Any) -> Tensor:
        """$L_\\mu = -\\mathbb E[Q_{\\phi_1}(s, \\mu_\\theta(s))]$: the first critic only."""
        obs = Tensor(b.observations)
        return -self.qf.q1(obs, self.actor(obs)).mean()

    def update(self) -> dict[str, float]:
        """A critic step; every ``policy_delay``-th one also an actor step and the targets."""
        cfg = self.config
        b = self.buffer.sample(cfg.batch_size, self.rng)
        q_loss = self.critic_loss(b)
        self.q_optimizer.zero_grad()
        q_loss.backward()
        self.q_optimizer.step()
        self.updates += 1
        stats = {"q_loss": q_loss.item()}
        if self.updates % cfg.policy_delay == 0:
            actor_loss = self.actor_loss(b)
            self.actor_optimizer.zero_grad()
            actor_loss.backward()
            self.actor_optimizer.step()
            polyak_update(self.qf_target, self.qf, cfg.tau)
            polyak_update(self.actor_target, self.actor, cfg.tau)
            stats["actor_loss"] = actor_loss.item()
        elif "actor_loss" in self._stats:
            stats["actor_loss"] = self._stats["actor_loss"]
        if not np.all(np.isfinite(list(stats.values()))):
            raise FloatingPointError(f"TD3 losses {stats} at step {self.global_step}")
        return stats
