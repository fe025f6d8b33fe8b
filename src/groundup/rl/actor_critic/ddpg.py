r"""Deep Deterministic Policy Gradient (Lillicrap et al., 2016).

DDPG is DQN for continuous actions. There is no $\max_{a'}$ over a continuous action
space, so a deterministic actor $\mu_\theta(s)$ learns to output the maximising action and
the critic bootstraps from it:

$$\text{critic:}\quad y = r + \gamma^m (1 - \text{term})\,Q_{\phi'}\big(s', \mu_{\theta'}(s')\big),
\qquad L_Q = \mathbb E\big[(Q_\phi(s, a) - y)^2\big]$$
$$\text{actor:}\quad L_\mu = -\mathbb E_s\big[Q_\phi(s, \mu_\theta(s))\big]
\quad\Big(\nabla_\theta L_\mu = -\mathbb E\big[\nabla_a Q_\phi(s, a)\big|_{a=\mu_\theta(s)}\nabla_\theta\mu_\theta(s)\big]\Big)$$

The actor climbs the critic's action-gradient (the deterministic policy-gradient
theorem, Silver et al., 2014). Both networks have Polyak-averaged targets $\theta', \phi'$.
The policy is deterministic, so exploration adds Gaussian noise
$a = \text{clip}(\mu_\theta(s) + \sigma c\,\epsilon,\ \text{low},\ \text{high})$, with $c$ half the
action range. (The paper's Ornstein-Uhlenbeck noise is replaced by Gaussian noise,
as in TD3 and Stable-Baselines3.)

Defaults are rl-baselines3-zoo's Pendulum-v1 setting (−152 ± 94 at 20k steps):
$\gamma = 0.98$, 10,000 random steps first, then one update per step, lr $10^{-3}$,
batch 256, $\tau = 0.005$, $\sigma = 0.1$, 400-300 networks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.off_policy import OffPolicyAgent
from groundup.rl.core.policies import DeterministicPolicy
from groundup.rl.core.replay_buffer import ReplayBuffer
from groundup.rl.core.value_functions import ContinuousQFunction, hard_update, polyak_update

__all__ = ["DDPG", "DDPGConfig", "ddpg_targets"]


@dataclass
class DDPGConfig:
    """DDPG's hyperparameters (defaults: rl-baselines3-zoo, Pendulum-v1)."""

    env_id: str = "Pendulum-v1"
    """Gymnasium id of an environment with a Box action space."""
    total_timesteps: int = 20_000
    """Environment steps to train for."""
    buffer_size: int = 200_000
    """Replay capacity."""
    learning_starts: int = 10_000
    """Steps of uniformly random actions before the first update."""
    batch_size: int = 256
    """Transitions per update."""
    gamma: float = 0.98
    """Discount factor."""
    tau: float = 0.005
    """Polyak coefficient of the target networks."""
    policy_lr: float = 1e-3
    """Adam's learning rate for the actor."""
    q_lr: float = 1e-3
    """Adam's learning rate for the critic."""
    exploration_noise: float = 0.1
    """Std of the Gaussian exploration noise, as a fraction of half the action range."""
    hidden_sizes: tuple[int, ...] = (400, 300)
    """Hidden widths of the actor and the critic."""
    seed: int = 0
    """Seeds the networks, the environment, exploration and sampling."""

    def __post_init__(self) -> None:
        for name in ("total_timesteps", "buffer_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"{type(self).__name__}.{name} must be positive, got {getattr(self, name)}"
                )
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f"{type(self).__name__}.tau must be in (0, 1], got {self.tau}")
        if self.exploration_noise < 0:
            raise ValueError(
                f"{type(self).__name__}.exploration_noise must be >= 0, got {self.exploration_noise}"
            )


def ddpg_targets(
    rewards: np.ndarray, next_q: np.ndarray, terminated: np.ndarray, discounts: np.ndarray
) -> np.ndarray:
    r"""$y = r + \gamma^m (1 - \text{terminated})\,Q_{\phi'}(s', \mu_{\theta'}(s'))$, shape ``(B,)``.

    Parameters
    ----------
    rewards, terminated, discounts : ndarray of shape ``(B,)``
    next_q : ndarray of shape ``(B,)``
        The target critic at the target actor's next action.

    >>> ddpg_targets(np.array([1.0, 1.0]), np.array([10.0, 10.0]), np.array([0.0, 1.0]),
    ...              np.array([0.9, 0.9]))
    array([10.,  1.])
    """
    if next_q.shape != rewards.shape:
        raise ValueError(f"next_q must have shape {rewards.shape}, got {next_q.shape}")
    # BEGIN SOLUTION
    return rewards + discounts * (1.0 - terminated) * next_q
    # END SOLUTION


class DDPG(OffPolicyAgent):
    """The DDPG agent: ``DDPG(DDPGConfig(...)).learn()`` trains it; ``act`` runs $\\mu_\\theta$."""

    name = "DDPG"

    def __init__(
        self, config: DDPGConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or self.default_config()
        obs_space, act_space = self._init_env(
            env_fn or cfg.env_id, gym.spaces.Box, "for discrete actions use DQN or PPO"
        )
        obs_dim, self.action_dim = obs_space.shape[0], act_space.shape[0]
        self.low, self.high = act_space.low.astype(np.float32), act_space.high.astype(np.float32)
        self.scale = (self.high - self.low) / 2
        rng = np.random.default_rng([cfg.seed, 0])
        self.actor = DeterministicPolicy(
            obs_dim, self.action_dim, self.low, self.high, cfg.hidden_sizes, generator=rng
        )
        self.actor_target = hard_update(
            DeterministicPolicy(
                obs_dim, self.action_dim, self.low, self.high, cfg.hidden_sizes, generator=rng
            ),
            self.actor,
        )
        self.qf = self.make_critic(obs_dim, rng)
        self.qf_target = hard_update(self.make_critic(obs_dim, rng), self.qf)
        self.actor_optimizer = Adam(self.actor.parameters(), lr=cfg.policy_lr)
        self.q_optimizer = Adam(self.qf.parameters(), lr=cfg.q_lr)
        self.buffer = ReplayBuffer(
            min(cfg.buffer_size, cfg.total_timesteps),
            obs_space.shape,
            (self.action_dim,),
            np.float32,
            gamma=cfg.gamma,
        )
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.updates = 0
        self._reset_env(cfg.seed)

    @staticmethod
    def default_config() -> DDPGConfig:
        return DDPGConfig()

    def make_critic(self, obs_dim: int, rng: np.random.Generator) -> Any:
        """DDPG's one critic $Q_\\phi(s, a)$."""
        return ContinuousQFunction(
            obs_dim, self.action_dim, self.config.hidden_sizes, generator=rng
        )

    def _modules(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "actor_target": self.actor_target,
            "qf": self.qf,
            "qf_target": self.qf_target,
            "actor_optimizer": self.actor_optimizer,
            "q_optimizer": self.q_optimizer,
        }

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.updates = int(state["updates"])

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """$\\mu_\\theta(s)$ (``deterministic``), or with Gaussian exploration noise, clipped."""
        with no_grad():
            a = self.actor(Tensor(np.asarray(obs, np.float32)[None])).numpy()[0]  # (A,)
        if deterministic:
            return a
        # $a = \text{clip}(\mu_\theta(s) + \sigma c\,\epsilon)$, $\epsilon \sim \mathcal N(0, I)$
        noise = self.config.exploration_noise * self.scale * self.rng.standard_normal(a.shape)
        return np.clip(a + noise, self.low, self.high).astype(np.float32)

    def random_action(self) -> np.ndarray:
        return self.envs.action_space.sample().astype(np.float32)

    def explore(self, obs: np.ndarray) -> np.ndarray:
        return self.act(obs[0], deterministic=False)[None]

    def train(self) -> dict[str, float] | None:
        """One update per environment step from ``learning_starts``."""
        if self.global_step < self.config.learning_starts or len(self.buffer) < 1:
            return None
        return self.update()

    def critic_loss(self, b: Any) -> Tensor:
        """$L_Q$ on the minibatch ``b``."""
        with no_grad():
            next_a = self.actor_target(Tensor(b.next_observations))
            next_q = self.qf_target(Tensor(b.next_observations), next_a).numpy()
        y = ddpg_targets(b.rewards, next_q, b.terminated, b.discounts)  # (B,)
        q = self.qf(Tensor(b.observations), Tensor(b.actions))  # (B,)
        assert q.shape == y.shape, (q.shape, y.shape)
        return ((q - Tensor(y.astype(np.float32))) ** 2).mean()

    def actor_loss(self, b: Any) -> Tensor:
        """$L_\\mu = -\\mathbb E[Q_\\phi(s, \\mu_\\theta(s))]$ on the minibatch ``b``."""
        obs = Tensor(b.observations)
        # BEGIN SOLUTION
        # the gradient flows through $\mu_\theta(s)$ into the critic's action input
        return -self.qf(obs, self.actor(obs)).mean()
        # END SOLUTION

    def update(self) -> dict[str, float]:
        """One critic step, then one actor step and the Polyak updates, on one minibatch."""
        cfg = self.config
        b = self.buffer.sample(cfg.batch_size, self.rng)
        q_loss = self.critic_loss(b)
        self.q_optimizer.zero_grad()
        q_loss.backward()
        self.q_optimizer.step()

        actor_loss = self.actor_loss(b)
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        polyak_update(self.qf_target, self.qf, cfg.tau)
        polyak_update(self.actor_target, self.actor, cfg.tau)
        self.updates += 1
        losses = (q_loss.item(), actor_loss.item())
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(f"{self.name} losses {losses} at step {self.global_step}")
        return {"q_loss": losses[0], "actor_loss": losses[1]}
