r"""Soft Actor-Critic (Haarnoja et al., 2018), with twin critics and a learned temperature.

SAC maximises reward plus entropy, $\mathbb E\big[\sum_t \gamma^t (r_t + \alpha\,\mathcal H[\pi(\cdot \mid s_t)])\big]$.
From a replay minibatch it takes three steps:

$$\text{critics:}\quad y = r + \gamma^m (1 - \text{term})\Big(\min_{j=1,2} Q_{\phi'_j}(s', \tilde a') - \alpha \log\pi_\theta(\tilde a' \mid s')\Big),
\quad \tilde a' \sim \pi_\theta(\cdot \mid s'),\qquad L_Q = \sum_j \mathbb E\big[(Q_{\phi_j}(s, a) - y)^2\big]$$
$$\text{actor:}\quad L_\pi = \mathbb E_{s}\Big[\alpha \log\pi_\theta(\tilde a \mid s) - \min_j Q_{\phi_j}(s, \tilde a)\Big],\quad \tilde a = c\tanh(\mu_\theta(s) + \sigma_\theta(s)\,\epsilon) + b$$
$$\text{temperature:}\quad L_\alpha = \mathbb E\big[-\alpha\,(\log\pi_\theta(\tilde a \mid s) + \bar{\mathcal H})\big],\qquad \bar{\mathcal H} = -\dim\mathcal A$$

The actor's gradient flows through the reparameterised action $\tilde a$ into the critics.
$L_\alpha$ raises $\alpha$ when the policy's entropy $-\log\pi$ is below the target
$\bar{\mathcal H}$ and lowers it above: the entropy is steered to $\bar{\mathcal H}$ instead of
being weighted by a hand-tuned constant. Targets trail by Polyak averaging with $\tau$.

Defaults are rl-baselines3-zoo's Pendulum-v1 setting (−157 ± 89 at 20k steps): lr
$10^{-3}$, batch 256, $\tau = 0.005$, $\gamma = 0.99$, one update per step from step 100,
256-256 networks, $\alpha$ learned from 1.
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
from groundup.rl.core.off_policy import OffPolicyAgent, TensorState
from groundup.rl.core.policies import SquashedGaussianPolicy
from groundup.rl.core.replay_buffer import ReplayBuffer
from groundup.rl.core.value_functions import TwinQFunction, hard_update, polyak_update

__all__ = ["SAC", "SACConfig", "sac_temperature_loss"]


@dataclass
class SACConfig:
    """SAC's hyperparameters (defaults: rl-baselines3-zoo, Pendulum-v1)."""

    env_id: str = "Pendulum-v1"
    """Gymnasium id of an environment with a Box action space."""
    total_timesteps: int = 20_000
    """Environment steps to train for."""
    buffer_size: int = 1_000_000
    """Replay capacity."""
    learning_starts: int = 100
    """Steps of uniformly random actions before the first update."""
    batch_size: int = 256
    """Transitions per update."""
    gamma: float = 0.99
    """Discount factor."""
    tau: float = 0.005
    """Polyak coefficient of the target critics."""
    policy_lr: float = 1e-3
    """Adam's learning rate for the actor (and the temperature)."""
    q_lr: float = 1e-3
    """Adam's learning rate for the critics."""
    alpha: float = 1.0
    """Initial temperature."""
    autotune: bool = True
    """Learn alpha towards the target entropy."""
    target_entropy: float | None = None
    """Target entropy (None: minus the action dimension)."""
    hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden widths of the actor and of each critic."""
    seed: int = 0
    """Seeds the networks, the environment, exploration and sampling."""

    def __post_init__(self) -> None:
        for name in ("total_timesteps", "buffer_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"SACConfig.{name} must be positive, got {getattr(self, name)}")
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f"SACConfig.tau must be in (0, 1], got {self.tau}")
        if self.alpha <= 0:
            raise ValueError(f"SACConfig.alpha must be positive, got {self.alpha}")


def sac_temperature_loss(log_alpha: Tensor, log_probs: np.ndarray, target_entropy: float) -> Tensor:
    r"""$L_\alpha = \mathbb E[-\alpha(\log\pi + \bar{\mathcal H})]$ with $\alpha = e^{\log\alpha}$; ``log_probs`` are constants.

    Its gradient in $\log\alpha$ is $-\alpha\,(\mathbb E[\log\pi] + \bar{\mathcal H})$: positive
    (so $\alpha$ falls) when the entropy $-\mathbb E[\log\pi]$ exceeds the target.
    """
    # BEGIN SOLUTION
    return (-log_alpha.exp() * float(np.mean(log_probs) + target_entropy)).sum()
    # END SOLUTION


class SAC(OffPolicyAgent):
    """The SAC agent: ``SAC(SACConfig(...)).learn()`` trains it; ``act`` runs the mean action."""

    name = "SAC"

    def __init__(
        self, config: SACConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or SACConfig()
        obs_space, act_space = self._init_env(
            env_fn or cfg.env_id, gym.spaces.Box, "for discrete actions use DQN or PPO"
        )
        obs_dim, self.action_dim = obs_space.shape[0], act_space.shape[0]
        self.low, self.high = act_space.low.astype(np.float32), act_space.high.astype(np.float32)
        rng = np.random.default_rng([cfg.seed, 0])
        self.actor = SquashedGaussianPolicy(
            obs_dim, self.action_dim, self.low, self.high, cfg.hidden_sizes, generator=rng
        )
        self.qf = TwinQFunction(obs_dim, self.action_dim, cfg.hidden_sizes, generator=rng)
        self.qf_target = hard_update(
            TwinQFunction(obs_dim, self.action_dim, cfg.hidden_sizes, generator=rng), self.qf
        )
        self.actor_optimizer = Adam(self.actor.parameters(), lr=cfg.policy_lr)
        self.q_optimizer = Adam(self.qf.parameters(), lr=cfg.q_lr)
        self.target_entropy = (
            -float(self.action_dim) if cfg.target_entropy is None else cfg.target_entropy
        )
        self.log_alpha = Tensor(np.array([np.log(cfg.alpha)], np.float32), requires_grad=True)
        self.alpha_optimizer = Adam([self.log_alpha], lr=cfg.policy_lr)
        self.buffer = ReplayBuffer(
            min(cfg.buffer_size, cfg.total_timesteps),
            obs_space.shape,
            (self.action_dim,),
            np.float32,
            gamma=cfg.gamma,
        )
        self.rng = np.random.default_rng([cfg.seed, 1])
        self._reset_env(cfg.seed)

    def _modules(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "qf": self.qf,
            "qf_target": self.qf_target,
            "actor_optimizer": self.actor_optimizer,
            "q_optimizer": self.q_optimizer,
            "alpha_optimizer": self.alpha_optimizer,
            "log_alpha": TensorState(self.log_alpha),
        }

    @property
    def alpha(self) -> float:
        return float(np.exp(self.log_alpha.detach().numpy()[0]))

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """The squashed mean action (``deterministic``) or a sample."""
        with no_grad():
            dist = self.actor(Tensor(np.asarray(obs, np.float32)[None]))
            a = dist.mode() if deterministic else dist.sample(self.rng)
        return np.asarray(a, np.float32)[0]

    def random_action(self) -> np.ndarray:
        return self.envs.action_space.sample().astype(np.float32)

    def explore(self, obs: np.ndarray) -> np.ndarray:
        return self.act(obs[0], deterministic=False)[None]

    def train(self) -> dict[str, float] | None:
        """One update per environment step from ``learning_starts``."""
        if self.global_step < self.config.learning_starts or len(self.buffer) < 1:
            return None
        return self.update()

    def update(self) -> dict[str, float]:
        """One critic, actor and temperature step on a sampled minibatch."""
        cfg = self.config
        b = self.buffer.sample(cfg.batch_size, self.rng)
        alpha = self.alpha
        with no_grad():
            next_a, next_logp = self.actor(Tensor(b.next_observations)).rsample(self.rng)
            q1_t, q2_t = self.qf_target(Tensor(b.next_observations), next_a)
            # soft value of $s'$: $\min_j Q_{\phi'_j}(s', \tilde a') - \alpha \log\pi(\tilde a' \mid s')$
            soft_v = np.minimum(q1_t.numpy(), q2_t.numpy()) - alpha * next_logp.numpy()
            y = b.rewards + b.discounts * (1.0 - b.terminated) * soft_v  # (B,)
        q1, q2 = self.qf(Tensor(b.observations), Tensor(b.actions))
        assert q1.shape == y.shape, (q1.shape, y.shape)
        target = Tensor(y.astype(np.float32))
        q_loss = ((q1 - target) ** 2).mean() + ((q2 - target) ** 2).mean()
        self.q_optimizer.zero_grad()
        q_loss.backward()
        self.q_optimizer.step()

        action, logp = self.actor(Tensor(b.observations)).rsample(self.rng)
        q1_pi, q2_pi = self.qf(Tensor(b.observations), action)
        actor_loss = (alpha * logp - q1_pi.minimum(q2_pi)).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()

        logp_np = logp.detach().numpy()
        if cfg.autotune:
            alpha_loss = sac_temperature_loss(self.log_alpha, logp_np, self.target_entropy)
            self.alpha_optimizer.zero_grad()
            alpha_loss.backward()
            self.alpha_optimizer.step()
        polyak_update(self.qf_target, self.qf, cfg.tau)
        losses = (q_loss.item(), actor_loss.item())
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(f"SAC losses {losses} at step {self.global_step}")
        return {
            "q_loss": losses[0],
            "actor_loss": losses[1],
            "alpha": self.alpha,
            "entropy": float(-logp_np.mean()),
        }
