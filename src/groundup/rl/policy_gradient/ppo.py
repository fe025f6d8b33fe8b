r"""Proximal Policy Optimisation (Schulman et al., 2017), clipped objective, discrete or continuous.

PPO collects $T$ steps from $N$ environments with the current policy, computes GAE
advantages, then takes several epochs of minibatch steps on

$$L(\theta) = \underbrace{-\,\mathbb E_t\big[\min(\rho_t \hat A_t,\ \operatorname{clip}(\rho_t, 1-\epsilon, 1+\epsilon)\,\hat A_t)\big]}_{\text{policy}}
 + c_v\,\underbrace{\tfrac12\,\mathbb E_t\big[\max\big((V_\phi - \hat R_t)^2,\ (V_{\text{old}} + \operatorname{clip}(V_\phi - V_{\text{old}}, -\epsilon, \epsilon) - \hat R_t)^2\big)\big]}_{\text{value}}
 - c_e\,\mathbb E_t\big[\mathcal H[\pi_\theta(\cdot \mid s_t)]\big],$$

with the probability ratio $\rho_t = \pi_\theta(a_t \mid s_t) / \pi_{\theta_\text{old}}(a_t \mid s_t)$.
The clip removes the incentive to move $\rho_t$ beyond $[1-\epsilon, 1+\epsilon]$ in the
direction the advantage favours — a cheap stand-in for TRPO's trust region.

Implementation details (the "37 details" of Huang et al. that matter on CartPole and
Pendulum): separate actor and critic MLPs (tanh) with orthogonal init; Adam with
$\epsilon = 10^{-5}$; learning rate (and clip range, as rl-baselines3-zoo does for
CartPole) annealed linearly to 0; advantages whitened per minibatch; clipped value
loss; global gradient-norm clipping at 0.5; truncated episodes bootstrapped from
$V(s'_\text{final})$ (CleanRL's ``ppo.py`` treats them as terminal, CleanRL #198);
``approx_kl`` $= \mathbb E[(\rho - 1) - \log\rho]$ logged (Schulman's k3).

Defaults are rl-baselines3-zoo's CartPole-v1 setting: 8 envs × 32 steps, 20 epochs of
one 256-sample minibatch, $\gamma = 0.98$, $\lambda = 0.8$, lr $10^{-3}$, no entropy bonus
— 500 within 100k steps.
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
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.envs import evaluate_policy, make_vector_env
from groundup.rl.core.policies import clip_to_space, policy_for
from groundup.rl.core.rollout_buffer import Rollout, RolloutCollector
from groundup.rl.core.value_functions import ValueFunction

__all__ = ["PPO", "PPOConfig", "ppo_policy_loss", "ppo_value_loss"]


@dataclass
class PPOConfig:
    """PPO's hyperparameters (defaults: rl-baselines3-zoo, CartPole-v1)."""

    env_id: str = "CartPole-v1"
    """Gymnasium id of the environment (discrete or Box actions)."""
    num_envs: int = 8
    """Environments stepped together."""
    num_steps: int = 32
    """Steps per environment in each rollout (the batch is num_envs * num_steps)."""
    total_timesteps: int = 100_000
    """Environment steps to train for."""
    learning_rate: float = 1e-3
    """Adam's learning rate at the start."""
    anneal_lr: bool = True
    """Decay the learning rate linearly to 0 over training."""
    anneal_clip: bool = True
    """Decay the clip range linearly to 0 too (the zoo's CartPole setting)."""
    gamma: float = 0.98
    """Discount factor."""
    gae_lambda: float = 0.8
    """GAE's lambda."""
    num_minibatches: int = 1
    """Minibatches per epoch."""
    update_epochs: int = 20
    """Passes over each rollout."""
    clip_coef: float = 0.2
    """The clip range epsilon of the ratio (and of the value change)."""
    clip_vloss: bool = True
    """Use the clipped value loss."""
    norm_adv: bool = True
    """Whiten advantages per minibatch."""
    ent_coef: float = 0.0
    """Weight of the entropy bonus."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip."""
    target_kl: float | None = None
    """Stop an update's epochs early when approx_kl exceeds this (None: never)."""
    hidden_sizes: tuple[int, ...] = (64, 64)
    """Hidden widths of the actor and of the critic."""
    log_std_init: float = 0.0
    """Initial log standard deviation (continuous actions)."""
    seed: int = 0
    """Seeds the networks, the environments and the minibatch order."""

    def __post_init__(self) -> None:
        for name in (
            "num_envs",
            "num_steps",
            "total_timesteps",
            "num_minibatches",
            "update_epochs",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"PPOConfig.{name} must be positive, got {getattr(self, name)}")
        if (self.num_envs * self.num_steps) % self.num_minibatches:
            raise ValueError(
                f"num_envs * num_steps = {self.num_envs * self.num_steps} is not divisible by "
                f"num_minibatches = {self.num_minibatches}"
            )
        if not 0.0 <= self.gamma <= 1.0 or not 0.0 <= self.gae_lambda <= 1.0:
            raise ValueError(
                f"gamma and gae_lambda must be in [0, 1], got {self.gamma}, {self.gae_lambda}"
            )


def ppo_policy_loss(
    log_probs: Tensor, old_log_probs: np.ndarray, advantages: np.ndarray, clip_coef: float
) -> tuple[Tensor, dict[str, float]]:
    r"""$-\mathbb E[\min(\rho A, \operatorname{clip}(\rho, 1 \pm \epsilon) A)]$, with ``approx_kl`` and ``clip_frac``.

    Parameters
    ----------
    log_probs : Tensor of shape ``(B,)``
        $\log\pi_\theta(a_t \mid s_t)$ under the current parameters.
    old_log_probs, advantages : ndarray of shape ``(B,)``
        $\log\pi_{\theta_\text{old}}(a_t \mid s_t)$ at collection time, and $\hat A_t$.
    """
    if log_probs.shape != np.shape(old_log_probs) or log_probs.shape != np.shape(advantages):
        raise ValueError(
            f"log_probs {log_probs.shape}, old_log_probs {np.shape(old_log_probs)} and "
            f"advantages {np.shape(advantages)} must have one shape"
        )
    A = Tensor(np.asarray(advantages, log_probs.dtype))
    # BEGIN SOLUTION
    # $\rho_t = \exp(\log\pi_\theta - \log\pi_{\theta_\text{old}})$
    log_ratio = log_probs - Tensor(np.asarray(old_log_probs, log_probs.dtype))
    ratio = log_ratio.exp()
    unclipped = -A * ratio
    clipped = -A * ratio.clip(1.0 - clip_coef, 1.0 + clip_coef)
    loss = unclipped.maximum(clipped).mean()
    # END SOLUTION
    r = ratio.detach().numpy()
    stats = {
        # $\mathrm{KL} \approx \mathbb E[(\rho - 1) - \log\rho]$ (k3: unbiased, never negative)
        "approx_kl": float(np.mean((r - 1.0) - np.log(r))),
        "clip_frac": float(np.mean(np.abs(r - 1.0) > clip_coef)),
    }
    return loss, stats


def ppo_value_loss(
    values: Tensor, old_values: np.ndarray, returns: np.ndarray, clip_coef: float | None
) -> Tensor:
    r"""$\tfrac12\mathbb E[\max((V - R)^2, (V_\text{old} + \operatorname{clip}(V - V_\text{old}, \pm\epsilon) - R)^2)]$.

    ``clip_coef=None`` gives the plain $\tfrac12\mathbb E[(V - R)^2]$. All shapes ``(B,)``.
    """
    if values.shape != np.shape(returns) or values.shape != np.shape(old_values):
        raise ValueError(
            f"values {values.shape}, old_values {np.shape(old_values)} and returns "
            f"{np.shape(returns)} must have one shape (a (B, 1) against a (B,) broadcasts)"
        )
    R = Tensor(np.asarray(returns, values.dtype))
    unclipped = (values - R) ** 2
    if clip_coef is None:
        return 0.5 * unclipped.mean()
    V_old = Tensor(np.asarray(old_values, values.dtype))
    clipped = (V_old + (values - V_old).clip(-clip_coef, clip_coef) - R) ** 2
    return 0.5 * unclipped.maximum(clipped).mean()


class PPO:
    """The PPO agent: ``PPO(PPOConfig(...)).learn()`` trains it; ``act`` runs it."""

    def __init__(
        self, config: PPOConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or PPOConfig()
        self.env_source = env_fn or cfg.env_id
        self.envs = make_vector_env(self.env_source, cfg.num_envs, seed=cfg.seed)
        obs_space, act_space = self.envs.single_observation_space, self.envs.single_action_space
        rng = np.random.default_rng([cfg.seed, 0])
        self.discrete = isinstance(act_space, gym.spaces.Discrete)
        self.policy = policy_for(
            obs_space, act_space, cfg.hidden_sizes, "PPO", cfg.log_std_init, generator=rng
        )
        obs_dim = obs_space.shape[0]
        self.value = ValueFunction(obs_dim, cfg.hidden_sizes, generator=rng)
        self.optimizer = Adam(
            list(self.policy.parameters()) + list(self.value.parameters()),
            lr=cfg.learning_rate,
            eps=1e-5,
        )
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.global_step = 0
        self.num_updates = 0
        self.collector = RolloutCollector(
            self.envs,
            self.policy,
            self.value,
            cfg.gamma,
            cfg.gae_lambda,
            self._env_action,
            seed=cfg.seed,
        )

    # ------------------------------------------------------------------ acting
    def _env_action(self, action: np.ndarray) -> np.ndarray:
        # the Gaussian's samples are unbounded; the env gets them clipped to its box
        return clip_to_space(action, self.envs.single_action_space)

    def act(self, obs: np.ndarray, deterministic: bool = True) -> Any:
        """The action for one observation (the mode when ``deterministic``)."""
        with no_grad():
            dist = self.policy(Tensor(np.asarray(obs, np.float32)[None]))
            a = dist.mode() if deterministic else dist.sample(self.rng)
        a = self._env_action(np.asarray(a))[0]
        return int(a) if self.discrete else a

    # ------------------------------------------------------------------ rollouts
    def collect_rollout(self) -> Rollout:
        """``num_steps`` steps of every environment with the current policy, with GAE."""
        cfg = self.config
        rollout = self.collector.collect(cfg.num_steps, self.rng)
        self.global_step += cfg.num_steps * cfg.num_envs
        return rollout

    # ------------------------------------------------------------------ updates
    def update(self, rollout: Rollout, progress: float = 0.0) -> dict[str, float]:
        """Epochs of minibatch steps on one rollout; ``progress`` in [0, 1] drives annealing."""
        cfg = self.config
        frac = 1.0 - progress
        lr = cfg.learning_rate * (frac if cfg.anneal_lr else 1.0)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        clip = cfg.clip_coef * (frac if cfg.anneal_clip else 1.0)
        B = cfg.num_envs * cfg.num_steps
        flat = {
            "obs": rollout.obs.reshape(B, -1),
            "actions": rollout.actions.reshape(B, *rollout.actions.shape[2:]),
            "log_probs": rollout.log_probs.reshape(B),
            "values": rollout.values.reshape(B),
            "advantages": rollout.advantages.reshape(B),
            "returns": rollout.returns.reshape(B),
        }
        mb = B // cfg.num_minibatches
        stats: dict[str, list[float]] = {
            "pg_loss": [],
            "v_loss": [],
            "entropy": [],
            "approx_kl": [],
            "clip_frac": [],
        }
        for _ in range(cfg.update_epochs):
            order = self.rng.permutation(B)
            kls = []
            for start in range(0, B, mb):
                idx = order[start : start + mb]
                dist = self.policy(Tensor(flat["obs"][idx]))
                adv = flat["advantages"][idx]
                if cfg.norm_adv and len(idx) > 1:
                    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                pg_loss, s = ppo_policy_loss(
                    dist.log_prob(flat["actions"][idx]), flat["log_probs"][idx], adv, clip
                )
                v_loss = ppo_value_loss(
                    self.value(Tensor(flat["obs"][idx])),
                    flat["values"][idx],
                    flat["returns"][idx],
                    clip if cfg.clip_vloss else None,
                )
                entropy = dist.entropy().mean()
                loss = pg_loss + cfg.vf_coef * v_loss - cfg.ent_coef * entropy
                if not np.isfinite(loss.item()):
                    raise FloatingPointError(
                        f"PPO loss is {loss.item()} at step {self.global_step} (pg {pg_loss.item()}, "
                        f"value {v_loss.item()}): lower the learning rate or check the rewards"
                    )
                self.optimizer.zero_grad()
                loss.backward()
                clip_grad_norm_(self.optimizer.param_groups[0]["params"], cfg.max_grad_norm)
                self.optimizer.step()
                stats["pg_loss"].append(pg_loss.item())
                stats["v_loss"].append(v_loss.item())
                stats["entropy"].append(entropy.item())
                stats["approx_kl"].append(s["approx_kl"])
                stats["clip_frac"].append(s["clip_frac"])
                kls.append(s["approx_kl"])
            if cfg.target_kl is not None and np.mean(kls) > cfg.target_kl:
                break
        self.num_updates += 1
        out = {k: float(np.mean(v)) for k, v in stats.items()}
        var_y = rollout.returns.var()
        out["explained_variance"] = (
            float("nan")
            if var_y == 0
            else float(1 - np.var(rollout.returns - rollout.values) / var_y)
        )
        out["lr"], out["clip"] = lr, clip
        return out

    def learn(
        self,
        total_timesteps: int | None = None,
        callback: Callable[[dict[str, float]], Any] | None = None,
    ) -> list[dict[str, float]]:
        """Rollout, update, repeat until ``total_timesteps``; ``callback(row)`` after each update."""
        total = total_timesteps or self.config.total_timesteps
        history, recent = [], []
        t0 = time.perf_counter()
        while self.global_step < total:
            # annealing follows the steps done before this rollout
            progress = min(1.0, self.global_step / total)
            rollout = self.collect_rollout()
            row = self.update(rollout, progress=progress)
            recent = (recent + rollout.episode_returns)[-20:]
            row.update(
                step=self.global_step,
                episode_return=float(np.mean(recent)) if recent else float("nan"),
                seconds=time.perf_counter() - t0,
            )
            history.append(row)
            if callback is not None:
                callback(row)
        return history

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        """Mean and std of the deterministic policy's return over ``num_episodes`` episodes."""
        return evaluate_policy(self.act, self.env_source, num_episodes, seed)
