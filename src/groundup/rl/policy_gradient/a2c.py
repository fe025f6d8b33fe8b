r"""Advantage Actor-Critic (A2C, the synchronous form of Mnih et al., 2016).

Short rollouts of $T$ steps from $N$ environments; one gradient step per rollout on

$$L = -\frac1{TN}\sum_{t,n} \log\pi_\theta(a_t \mid s_t)\,\hat A_t
\;+\; c_v\,\frac1{TN}\sum_{t,n}\big(V_\phi(s_t) - \hat R_t\big)^2
\;-\; c_e\,\frac1{TN}\sum_{t,n}\mathcal H[\pi_\theta(\cdot \mid s_t)].$$

The critic replaces REINFORCE's Monte-Carlo return by a bootstrapped one, so updates
need neither complete episodes nor a whole episode's variance: $\hat A_t$ is GAE (with
$\lambda = 1$, the $T$-step return minus $V$). It is PPO with one epoch, one
minibatch, no ratio and no clipping — the two share :class:`~groundup.rl.core.rollout_buffer.RolloutCollector`.

Defaults are Stable-Baselines3's A2C (8 envs × 5 steps, RMSprop lr $7\cdot10^{-4}$
with $\epsilon = 10^{-5}$, $\gamma = 0.99$, $\lambda = 1$, value weight 0.5, gradient
norm 0.5, no advantage normalisation, no entropy bonus on CartPole).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.optimization.gradient_utils.clipping import clip_grad_norm_
from groundup.optimization.optimizers.rmsprop import RMSprop
from groundup.rl.core.envs import evaluate_policy, make_vector_env
from groundup.rl.core.policies import clip_to_space, policy_for
from groundup.rl.core.rollout_buffer import RolloutCollector
from groundup.rl.core.value_functions import ValueFunction

__all__ = ["A2C", "A2CConfig", "a2c_loss"]


@dataclass
class A2CConfig:
    """A2C's hyperparameters (defaults: Stable-Baselines3 / rl-baselines3-zoo, CartPole-v1)."""

    env_id: str = "CartPole-v1"
    """Gymnasium id of the environment."""
    num_envs: int = 8
    """Environments stepped together."""
    num_steps: int = 5
    """Steps per environment in each rollout."""
    total_timesteps: int = 200_000
    """Environment steps to train for."""
    learning_rate: float = 7e-4
    """RMSprop's learning rate."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = 1.0
    """GAE's lambda (1: the n-step return)."""
    ent_coef: float = 0.0
    """Weight of the entropy bonus."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip."""
    normalize_advantages: bool = False
    """Whiten each rollout's advantages."""
    hidden_sizes: tuple[int, ...] = (64, 64)
    """Hidden widths of the actor and of the critic."""
    seed: int = 0
    """Seeds the networks, the environments and the action samples."""

    def __post_init__(self) -> None:
        for name in ("num_envs", "num_steps", "total_timesteps"):
            if getattr(self, name) < 1:
                raise ValueError(f"A2CConfig.{name} must be positive, got {getattr(self, name)}")


def a2c_loss(
    log_probs: Tensor,
    values: Tensor,
    entropy: Tensor,
    advantages: np.ndarray,
    returns: np.ndarray,
    vf_coef: float,
    ent_coef: float,
) -> Tensor:
    r"""$-\overline{\log\pi\,\hat A} + c_v\,\overline{(V - \hat R)^2} - c_e\,\overline{\mathcal H}$, all inputs ``(B,)``."""
    for name, a in (
        ("values", values),
        ("entropy", entropy),
        ("advantages", advantages),
        ("returns", returns),
    ):
        if np.shape(a) != log_probs.shape:
            raise ValueError(f"{name} has shape {np.shape(a)} but log_probs has {log_probs.shape}")
    # BEGIN SOLUTION
    A = Tensor(np.asarray(advantages, log_probs.dtype))
    R = Tensor(np.asarray(returns, values.dtype))
    policy_loss = -(log_probs * A).mean()
    value_loss = ((values - R) ** 2).mean()
    return policy_loss + vf_coef * value_loss - ent_coef * entropy.mean()
    # END SOLUTION


class A2C:
    """``A2C(A2CConfig(...)).learn()``; ``act`` runs the mode of the policy."""

    def __init__(
        self, config: A2CConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or A2CConfig()
        self.env_source = env_fn or cfg.env_id
        self.envs = make_vector_env(self.env_source, cfg.num_envs, seed=cfg.seed)
        obs_space, act_space = self.envs.single_observation_space, self.envs.single_action_space
        rng = np.random.default_rng([cfg.seed, 0])
        self.discrete = isinstance(act_space, gym.spaces.Discrete)
        self.policy = policy_for(obs_space, act_space, cfg.hidden_sizes, "A2C", generator=rng)
        obs_dim = obs_space.shape[0]
        self.value = ValueFunction(obs_dim, cfg.hidden_sizes, generator=rng)
        self.params = list(self.policy.parameters()) + list(self.value.parameters())
        self.optimizer = RMSprop(self.params, lr=cfg.learning_rate, alpha=0.99, eps=1e-5)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.collector = RolloutCollector(
            self.envs,
            self.policy,
            self.value,
            cfg.gamma,
            cfg.gae_lambda,
            self._env_action,
            seed=cfg.seed,
        )
        self.global_step = 0

    def _env_action(self, a: np.ndarray) -> np.ndarray:
        return a if self.discrete else clip_to_space(a, self.envs.single_action_space)

    def act(self, obs: np.ndarray, deterministic: bool = True) -> Any:
        with no_grad():
            dist = self.policy(Tensor(np.asarray(obs, np.float32)[None]))
            a = dist.mode() if deterministic else dist.sample(self.rng)
        a = self._env_action(np.asarray(a))[0]
        return int(a) if self.discrete else a

    def train_one_rollout(self) -> tuple[float, list[float]]:
        """Collect one rollout and take one gradient step; the loss and the episodes that ended."""
        cfg = self.config
        B = cfg.num_envs * cfg.num_steps
        ro = self.collector.collect(cfg.num_steps, self.rng)
        self.global_step += B
        obs = ro.obs.reshape(B, -1)
        adv = ro.advantages.reshape(B)
        if cfg.normalize_advantages:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        dist = self.policy(Tensor(obs))
        loss = a2c_loss(
            dist.log_prob(ro.actions.reshape(B, *ro.actions.shape[2:])),
            self.value(Tensor(obs)),
            dist.entropy(),
            adv,
            ro.returns.reshape(B),
            cfg.vf_coef,
            cfg.ent_coef,
        )
        if not np.isfinite(loss.item()):
            raise FloatingPointError(f"A2C loss is {loss.item()} at step {self.global_step}")
        self.optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(self.params, cfg.max_grad_norm)
        self.optimizer.step()
        return loss.item(), list(ro.episode_returns)

    def learn(
        self, callback: Callable[[dict[str, float]], Any] | None = None, log_every: int = 100
    ) -> list[dict[str, float]]:
        cfg = self.config
        history, recent = [], []
        t0 = time.perf_counter()
        updates = 0
        while self.global_step < cfg.total_timesteps:
            loss, finished = self.train_one_rollout()
            recent = (recent + finished)[-20:]
            updates += 1
            if updates % log_every == 0:
                row = {
                    "step": self.global_step,
                    "loss": loss,
                    "seconds": time.perf_counter() - t0,
                    "episode_return": float(np.mean(recent)) if recent else float("nan"),
                }
                history.append(row)
                if callback is not None:
                    callback(row)
        return history

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        return evaluate_policy(self.act, self.env_source, num_episodes, seed)
