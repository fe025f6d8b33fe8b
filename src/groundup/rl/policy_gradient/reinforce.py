r"""REINFORCE (Williams, 1992): the policy-gradient theorem with Monte-Carlo returns.

The gradient of the expected return is an expectation over the policy's own trajectories,

$$\nabla_\theta J(\theta) = \mathbb E_{\tau \sim \pi_\theta}\Big[\sum_t \nabla_\theta \log\pi_\theta(a_t \mid s_t)\,\big(G_t - b(s_t)\big)\Big],
\qquad G_t = \sum_{k \ge t} \gamma^{k-t} r_k,$$

obtained from $\nabla p = p\,\nabla \log p$ (the log-derivative trick). Two variance
reductions keep it unbiased: **reward-to-go** (an action cannot affect rewards
collected before it, so $G_t$ replaces the whole episode's return) and a **baseline**
$b(s_t)$ that does not depend on $a_t$ — here a learned $V_\phi(s_t)$ fitted to $G_t$.
The loss whose gradient is that estimate is

$$L(\theta) = -\frac1{N}\sum_{t} \log\pi_\theta(a_t \mid s_t)\,\hat A_t,\qquad \hat A_t = G_t - V_\phi(s_t).$$

Each update uses ``episodes_per_update`` complete episodes of the current policy;
``normalize_advantages`` whitens $\hat A_t$ over the batch (pytorch/examples' trick).
CartPole's time limit truncates: the return there is bootstrapped with $V_\phi$ of the
final observation when a baseline is learned (otherwise the tail counts as 0).
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
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.advantages import discounted_returns
from groundup.rl.core.envs import evaluate_policy, make_env
from groundup.rl.core.policies import clip_to_space, policy_for
from groundup.rl.core.value_functions import ValueFunction

__all__ = ["REINFORCE", "REINFORCEConfig", "reinforce_loss"]


@dataclass
class REINFORCEConfig:
    """REINFORCE's hyperparameters (defaults for CartPole-v1)."""

    env_id: str = "CartPole-v1"
    """Gymnasium id of the environment."""
    total_episodes: int = 600
    """Episodes to train for."""
    episodes_per_update: int = 4
    """Complete episodes in each policy-gradient estimate."""
    learning_rate: float = 1e-2
    """Adam's learning rate for the policy."""
    value_lr: float = 1e-2
    """Adam's learning rate for the baseline."""
    gamma: float = 0.99
    """Discount factor."""
    baseline: bool = True
    """Subtract a learned V(s) from the reward-to-go."""
    normalize_advantages: bool = True
    """Whiten the advantages of each batch."""
    hidden_sizes: tuple[int, ...] = (64,)
    """Hidden widths of the policy and of the baseline."""
    seed: int = 0
    """Seeds the networks, the environment and the action samples."""

    def __post_init__(self) -> None:
        for name in ("total_episodes", "episodes_per_update"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"REINFORCEConfig.{name} must be positive, got {getattr(self, name)}"
                )


def reinforce_loss(log_probs: Tensor, advantages: np.ndarray) -> Tensor:
    r"""$-\frac1N\sum_t \log\pi_\theta(a_t \mid s_t)\,\hat A_t$ with the advantages held constant; shapes ``(N,)``."""
    if log_probs.shape != np.shape(advantages):
        raise ValueError(
            f"log_probs {log_probs.shape} and advantages {np.shape(advantages)} must have one shape"
        )
    # BEGIN SOLUTION
    return -(log_probs * Tensor(np.asarray(advantages, log_probs.dtype))).mean()
    # END SOLUTION


class REINFORCE:
    """``REINFORCE(REINFORCEConfig(...)).learn()``; ``act`` runs the greedy (mode) action."""

    def __init__(
        self, config: REINFORCEConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or REINFORCEConfig()
        self.env_source = env_fn or cfg.env_id
        self.env = make_env(self.env_source)
        obs_space, act_space = self.env.observation_space, self.env.action_space
        rng = np.random.default_rng([cfg.seed, 0])
        self.discrete = isinstance(act_space, gym.spaces.Discrete)
        self.policy = policy_for(obs_space, act_space, cfg.hidden_sizes, "REINFORCE", generator=rng)
        obs_dim = obs_space.shape[0]
        self.value = ValueFunction(obs_dim, cfg.hidden_sizes, generator=rng)
        self.optimizer = Adam(self.policy.parameters(), lr=cfg.learning_rate)
        self.value_optimizer = Adam(self.value.parameters(), lr=cfg.value_lr)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.episodes = 0
        self._seed = cfg.seed

    def _env_action(self, a: np.ndarray) -> Any:
        return int(a) if self.discrete else clip_to_space(a, self.env.action_space)

    def act(self, obs: np.ndarray, deterministic: bool = True) -> Any:
        with no_grad():
            dist = self.policy(Tensor(np.asarray(obs, np.float32)[None]))
            a = dist.mode() if deterministic else dist.sample(self.rng)
        return self._env_action(np.asarray(a)[0])

    def run_episode(self) -> dict[str, np.ndarray]:
        """One episode of the stochastic policy: observations, actions, rewards, the end flags."""
        obs, _ = self.env.reset(seed=self._seed + self.episodes)
        self.episodes += 1
        o, a_, r_ = [], [], []
        done = terminated = False
        while not done:
            with no_grad():
                a = self.policy(Tensor(np.asarray(obs, np.float32)[None])).sample(self.rng)[0]
            o.append(obs)
            a_.append(a)
            obs, r, terminated, truncated, _ = self.env.step(self._env_action(np.asarray(a)))
            r_.append(r)
            done = terminated or truncated
        T = len(r_)
        term = np.zeros(T, bool)
        trunc = np.zeros(T, bool)
        term[-1], trunc[-1] = terminated, not terminated
        return {
            "obs": np.asarray(o, np.float32),
            "actions": np.asarray(a_),
            "rewards": np.asarray(r_, float),
            "terminated": term,
            "truncated": trunc,
            "final_obs": np.asarray(obs, np.float32),
        }

    def update(self, episodes: list[dict[str, np.ndarray]]) -> dict[str, float]:
        cfg = self.config
        returns = []
        for ep in episodes:
            tail = np.zeros(len(ep["rewards"]))
            if cfg.baseline and ep["truncated"][-1]:
                with no_grad():
                    tail[-1] = self.value(Tensor(ep["final_obs"][None])).numpy()[0]
            # reward-to-go $G_t$, bootstrapped with $V(s_\text{final})$ where a time limit cut the episode
            returns.append(
                discounted_returns(
                    ep["rewards"], ep["terminated"], ep["truncated"], cfg.gamma, tail
                )
            )
        obs = np.concatenate([ep["obs"] for ep in episodes])
        actions = np.concatenate([ep["actions"] for ep in episodes])
        G = np.concatenate(returns)
        adv = G.copy()
        if cfg.baseline:
            v = self.value(Tensor(obs))
            adv = G - v.detach().numpy()
            v_loss = ((v - Tensor(G.astype(np.float32))) ** 2).mean()
            self.value_optimizer.zero_grad()
            v_loss.backward()
            self.value_optimizer.step()
        if cfg.normalize_advantages and len(adv) > 1:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        loss = reinforce_loss(self.policy(Tensor(obs)).log_prob(actions), adv)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {
            "loss": loss.item(),
            "episode_return": float(np.mean([ep["rewards"].sum() for ep in episodes])),
        }

    def learn(
        self, callback: Callable[[dict[str, float]], Any] | None = None
    ) -> list[dict[str, float]]:
        cfg = self.config
        history = []
        t0 = time.perf_counter()
        while self.episodes < cfg.total_episodes:
            row = self.update([self.run_episode() for _ in range(cfg.episodes_per_update)])
            row.update(episodes=self.episodes, seconds=time.perf_counter() - t0)
            history.append(row)
            if callback is not None:
                callback(row)
        return history

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        return evaluate_policy(self.act, self.env_source, num_episodes, seed)
