r"""Conservative Q-learning (Kumar et al., 2020): offline RL from a fixed dataset.

Offline, the agent never acts: it learns from transitions someone else collected. A
Q-learner's bootstrap $\max_{a'} Q(s', a')$ then queries actions the data never tried,
whose values nothing corrects — their errors are maximised, and the greedy policy
follows them off the data (*distribution shift*). CQL adds a penalty that pushes $Q$
down on every action (a soft maximum) and up on the dataset's actions:

$$L = L_{\mathrm{TD}} + \alpha\,\mathbb E_{(s, a) \sim \mathcal D}\Big[\log\sum_{a'} e^{Q(s, a')} - Q(s, a)\Big].$$

Its minimiser's value is a lower bound of the dataset policy's value (the paper's
Theorem 3.2), so the greedy policy stays where the data is.

* **Discrete** (:class:`DiscreteCQL`, d3rlpy's ``DiscreteCQL``): $L_{\mathrm{TD}}$ is
  Double DQN's Huber loss; the log-sum-exp runs over the $A$ actions.
* **Continuous** (:class:`ContinuousCQL`, on SAC): the sum over actions becomes an
  importance-sampled estimate with $N$ uniform actions (density $1/\mathrm{vol}$) and
  $N$ actions of the current policy at $s$ and at $s'$ (their densities $\pi(a \mid s)$):
  $\log\sum_{a'} e^{Q(s, a')} \approx \operatorname{logsumexp}_j\big(Q(s, a_j) - \log p(a_j)\big)$
  (CQL's official code; each critic gets its own penalty).

``alpha=0`` is plain offline Double DQN (or offline SAC), the baseline CQL is compared with.

>>> import numpy as np
>>> from groundup import Tensor
>>> q = Tensor(np.array([[1.0, 2.0], [0.0, 0.0]]))
>>> round(cql_penalty(q, np.array([1, 0])).item(), 4)   # (log(e+e^2) - 2 + log 2) / 2
0.5032
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor, cat
from groundup.optimization.gradient_utils.clipping import clip_grad_norm_
from groundup.optimization.losses.mse import smooth_l1_loss
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.policies import SquashedGaussianPolicy
from groundup.rl.core.value_functions import (
    QFunction,
    TwinQFunction,
    hard_update,
    polyak_update,
)
from groundup.rl.value_based.double_dqn import double_dqn_targets

__all__ = [
    "CQLConfig",
    "ContinuousCQL",
    "ContinuousCQLConfig",
    "DiscreteCQL",
    "continuous_cql_penalty",
    "cql_penalty",
    "logsumexp",
]


def logsumexp(x: Tensor, dim: int = -1) -> Tensor:
    r"""$\log\sum_j e^{x_j}$ over ``dim``, computed as $m + \log\sum_j e^{x_j - m}$ with $m = \max_j x_j$."""
    m = x.detach().numpy().max(axis=dim, keepdims=True)  # a constant: the gradient is unchanged
    return (x - Tensor(m)).exp().sum(dim).log() + Tensor(np.squeeze(m, axis=dim))


def cql_penalty(q_all: Tensor, actions: Any) -> Tensor:
    r"""$\mathbb E_{(s,a)\sim\mathcal D}\big[\log\sum_{a'} e^{Q(s,a')} - Q(s,a)\big]$: ``q_all`` ``(B, A)``, ``actions`` ``(B,)``."""
    a = np.asarray(actions)
    if q_all.ndim != 2 or a.shape != (q_all.shape[0],):
        raise ValueError(
            f"cql_penalty needs q_all of shape (B, A) and actions of shape (B,), "
            f"got {q_all.shape} and {a.shape}"
        )
    one_hot = np.eye(q_all.shape[1], dtype=q_all.dtype)[a]  # (B, A)
    # BEGIN SOLUTION
    q_data = (q_all * Tensor(one_hot)).sum(-1)  # (B,)
    # push down a soft maximum over all actions, push up the dataset's action
    return (logsumexp(q_all, -1) - q_data).mean()
    # END SOLUTION


def continuous_cql_penalty(q_samples: Tensor, log_density: np.ndarray, q_data: Tensor) -> Tensor:
    r"""$\mathbb E_s\big[\operatorname{logsumexp}_j(Q(s, a_j) - \log p(a_j)) - Q(s, a)\big]$.

    ``q_samples`` ``(B, M)`` are the critic at $M$ sampled actions per state,
    ``log_density`` ``(B, M)`` the log-densities they were drawn with (constants),
    ``q_data`` ``(B,)`` the critic at the dataset's actions.
    """
    if q_samples.shape != np.shape(log_density) or q_data.shape != q_samples.shape[:1]:
        raise ValueError(
            f"need q_samples (B, M), log_density (B, M) and q_data (B,), got "
            f"{q_samples.shape}, {np.shape(log_density)} and {q_data.shape}"
        )
    # BEGIN SOLUTION
    soft_max = logsumexp(q_samples - Tensor(np.asarray(log_density, q_samples.dtype)), -1)
    return soft_max.mean() - q_data.mean()
    # END SOLUTION


def _batch(data: Any, idx: np.ndarray) -> tuple[np.ndarray, ...]:
    return (
        np.asarray(data.observations[idx], np.float32),
        np.asarray(data.actions[idx]),
        np.asarray(data.rewards[idx], np.float32),
        np.asarray(data.next_observations[idx], np.float32),
        np.asarray(data.terminated[idx], np.float32),
    )


@dataclass
class CQLConfig:
    """Discrete CQL's hyperparameters (alpha 0: offline Double DQN)."""

    alpha: float = 1.0
    """Weight of the conservative penalty (d3rlpy's default)."""
    learning_rate: float = 1e-3
    """Adam's learning rate."""
    batch_size: int = 64
    """Transitions per gradient step."""
    gamma: float = 0.99
    """Discount factor."""
    target_update_interval: int = 500
    """Gradient steps between hard copies into the target network."""
    max_grad_norm: float = 10.0
    """Global gradient-norm clip."""
    hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden widths of the Q-network."""
    seed: int = 0
    """Seeds the network and the minibatch sampling."""

    def __post_init__(self) -> None:
        if self.alpha < 0:
            raise ValueError(f"CQLConfig.alpha must be >= 0, got {self.alpha}")
        for name in ("batch_size", "target_update_interval"):
            if getattr(self, name) < 1:
                raise ValueError(f"CQLConfig.{name} must be positive, got {getattr(self, name)}")


class DiscreteCQL:
    """Discrete CQL on a :class:`~groundup.rl.core.datasets.TransitionDataset`.

    ``train_step()`` takes one gradient step on a minibatch of the dataset; ``act`` is
    greedy in $Q$.
    """

    def __init__(
        self, obs_dim: int, num_actions: int, dataset: Any, config: CQLConfig | None = None
    ) -> None:
        self.config = cfg = config or CQLConfig()
        if not np.issubdtype(np.asarray(dataset.actions).dtype, np.integer):
            raise ValueError("DiscreteCQL needs a dataset of integer (discrete) actions")
        self.dataset, self.num_actions = dataset, num_actions
        rng = np.random.default_rng([cfg.seed, 0])
        self.q = QFunction(obs_dim, num_actions, cfg.hidden_sizes, generator=rng)
        self.q_target = hard_update(
            QFunction(obs_dim, num_actions, cfg.hidden_sizes, generator=rng), self.q
        )
        self.optimizer = Adam(self.q.parameters(), lr=cfg.learning_rate)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.num_updates = 0

    def loss(self, obs, actions, rewards, next_obs, terminated) -> tuple[Tensor, Tensor, Tensor]:
        r"""$(L, L_{\mathrm{TD}}, \text{penalty})$ on a batch: $L = L_{\mathrm{TD}} + \alpha\cdot\text{penalty}$."""
        with no_grad():
            next_q_target = self.q_target(Tensor(next_obs)).numpy()
            next_q_online = self.q(Tensor(next_obs)).numpy()
        discounts = np.full(len(rewards), self.config.gamma, np.float32)
        y = double_dqn_targets(rewards, next_q_online, next_q_target, terminated, discounts)
        q_all = self.q(Tensor(obs))  # (B, A)
        one_hot = np.eye(self.num_actions, dtype=np.float32)[actions]
        q_taken = (q_all * Tensor(one_hot)).sum(-1)  # (B,)
        td = smooth_l1_loss(q_taken, Tensor(y.astype(np.float32)))
        penalty = cql_penalty(q_all, actions)
        return td + self.config.alpha * penalty, td, penalty

    def train_step(self) -> dict[str, float]:
        """One gradient step; the target network is refreshed every ``target_update_interval``."""
        cfg = self.config
        idx = self.rng.integers(len(self.dataset), size=cfg.batch_size)
        total, td, penalty = self.loss(*_batch(self.dataset, idx))
        if not np.isfinite(total.item()):
            raise FloatingPointError(f"CQL loss is {total.item()} at update {self.num_updates}")
        self.optimizer.zero_grad()
        total.backward()
        clip_grad_norm_(list(self.q.parameters()), cfg.max_grad_norm)
        self.optimizer.step()
        self.num_updates += 1
        if self.num_updates % cfg.target_update_interval == 0:
            hard_update(self.q_target, self.q)
        return {"loss": total.item(), "td_loss": td.item(), "cql_penalty": penalty.item()}

    def q_on_data(self, size: int = 5_000) -> float:
        """Mean $Q(s, a)$ over (up to ``size``) dataset pairs: the value CQL keeps low."""
        n = min(size, len(self.dataset))
        with no_grad():
            q = self.q(Tensor(np.asarray(self.dataset.observations[:n], np.float32))).numpy()
        return float(q[np.arange(n), np.asarray(self.dataset.actions[:n])].mean())

    def act(self, obs: np.ndarray, deterministic: bool = True) -> int:
        with no_grad():
            return int(self.q(Tensor(np.asarray(obs, np.float32)[None])).numpy()[0].argmax())

    def _modules(self) -> dict[str, Any]:
        return {"q": self.q, "q_target": self.q_target, "optimizer": self.optimizer}


@dataclass
class ContinuousCQLConfig:
    """CQL on SAC's hyperparameters (alpha 0: offline SAC)."""

    alpha: float = 1.0
    """Weight of the conservative penalty."""
    num_samples: int = 10
    """Sampled actions per kind (uniform, policy at s, policy at s') in the log-sum-exp."""
    policy_lr: float = 1e-4
    """Adam's learning rate of the actor and the temperature."""
    q_lr: float = 3e-4
    """Adam's learning rate of the critics."""
    batch_size: int = 256
    """Transitions per update."""
    gamma: float = 0.99
    """Discount factor."""
    tau: float = 0.005
    """Polyak coefficient of the target critics."""
    hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden widths of the actor and each critic."""
    seed: int = 0
    """Seeds the networks and the sampling."""

    def __post_init__(self) -> None:
        if self.alpha < 0:
            raise ValueError(f"ContinuousCQLConfig.alpha must be >= 0, got {self.alpha}")
        if self.num_samples < 1 or self.batch_size < 1:
            raise ValueError("ContinuousCQLConfig.num_samples and batch_size must be positive")


class ContinuousCQL:
    """CQL on SAC (twin critics, learned temperature) from a dataset of box actions."""

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        low: Any,
        high: Any,
        dataset: Any,
        config: ContinuousCQLConfig | None = None,
    ) -> None:
        self.config = cfg = config or ContinuousCQLConfig()
        self.dataset, self.action_dim = dataset, action_dim
        self.low = np.broadcast_to(np.asarray(low, np.float32), (action_dim,))
        self.high = np.broadcast_to(np.asarray(high, np.float32), (action_dim,))
        rng = np.random.default_rng([cfg.seed, 0])
        self.actor = SquashedGaussianPolicy(
            obs_dim, action_dim, self.low, self.high, cfg.hidden_sizes, generator=rng
        )
        self.qf = TwinQFunction(obs_dim, action_dim, cfg.hidden_sizes, generator=rng)
        self.qf_target = hard_update(
            TwinQFunction(obs_dim, action_dim, cfg.hidden_sizes, generator=rng), self.qf
        )
        self.actor_optimizer = Adam(self.actor.parameters(), lr=cfg.policy_lr)
        self.q_optimizer = Adam(self.qf.parameters(), lr=cfg.q_lr)
        self.log_alpha = Tensor(np.zeros(1, np.float32), requires_grad=True)
        self.alpha_optimizer = Adam([self.log_alpha], lr=cfg.policy_lr)
        self.target_entropy = -float(action_dim)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.num_updates = 0

    def _sampled_q(self, obs: np.ndarray, next_obs: np.ndarray) -> tuple[list[Tensor], np.ndarray]:
        """Both critics at $3N$ actions per state, ``(B, 3N)`` each, and the log-densities."""
        B, N, d = len(obs), self.config.num_samples, self.action_dim
        uniform = self.rng.uniform(self.low, self.high, (B * N, d)).astype(np.float32)
        # $\log p = -\log\mathrm{vol}$ for the uniform actions
        log_p_uniform = np.full((B, N), -np.log(self.high - self.low).sum(), np.float32)
        obs_rep = np.repeat(obs, N, axis=0)  # (B*N, obs_dim)
        with no_grad():
            a_s, logp_s = self.actor(Tensor(obs_rep)).rsample(self.rng)
            a_n, logp_n = self.actor(Tensor(np.repeat(next_obs, N, axis=0))).rsample(self.rng)
        actions = np.concatenate([uniform, a_s.numpy(), a_n.numpy()])  # (3BN, d)
        q1, q2 = self.qf(Tensor(np.tile(obs_rep, (3, 1))), Tensor(actions))  # (3BN,)
        log_p = np.concatenate(
            [log_p_uniform, logp_s.numpy().reshape(B, N), logp_n.numpy().reshape(B, N)], axis=1
        )

        def per_state(q: Tensor) -> Tensor:  # (3BN,) in blocks of B*N -> (B, 3N)
            return cat([q[k * B * N : (k + 1) * B * N].reshape(B, N) for k in range(3)], dim=1)

        return [per_state(q1), per_state(q2)], log_p

    def train_step(self) -> dict[str, float]:
        """One critic (TD + penalty), actor and temperature step on a dataset minibatch."""
        cfg = self.config
        idx = self.rng.integers(len(self.dataset), size=cfg.batch_size)
        obs, actions, rewards, next_obs, terminated = _batch(self.dataset, idx)
        actions = actions.astype(np.float32)
        alpha = float(np.exp(self.log_alpha.detach().numpy()[0]))
        with no_grad():
            next_a, next_logp = self.actor(Tensor(next_obs)).rsample(self.rng)
            q1_t, q2_t = self.qf_target(Tensor(next_obs), next_a)
            soft_v = np.minimum(q1_t.numpy(), q2_t.numpy()) - alpha * next_logp.numpy()
            y = rewards + cfg.gamma * (1.0 - terminated) * soft_v  # (B,)
        q1, q2 = self.qf(Tensor(obs), Tensor(actions))
        target = Tensor(y.astype(np.float32))
        td = ((q1 - target) ** 2).mean() + ((q2 - target) ** 2).mean()
        penalty = td * 0.0
        if cfg.alpha > 0:
            (s1, s2), log_p = self._sampled_q(obs, next_obs)
            penalty = continuous_cql_penalty(s1, log_p, q1) + continuous_cql_penalty(s2, log_p, q2)
        q_loss = td + cfg.alpha * penalty
        self.q_optimizer.zero_grad()
        q_loss.backward()
        self.q_optimizer.step()

        action, logp = self.actor(Tensor(obs)).rsample(self.rng)
        q1_pi, q2_pi = self.qf(Tensor(obs), action)
        actor_loss = (alpha * logp - q1_pi.minimum(q2_pi)).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        logp_np = logp.detach().numpy()
        alpha_loss = (-self.log_alpha.exp() * float(logp_np.mean() + self.target_entropy)).sum()
        self.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.alpha_optimizer.step()
        polyak_update(self.qf_target, self.qf, cfg.tau)
        self.num_updates += 1
        out = {"td_loss": td.item(), "cql_penalty": penalty.item(), "actor_loss": actor_loss.item()}
        if not np.all(np.isfinite(list(out.values()))):
            raise FloatingPointError(f"CQL losses {out} at update {self.num_updates}")
        return out

    def q_on_data(self, size: int = 5_000) -> float:
        """Mean $Q_1(s, a)$ over (up to ``size``) dataset pairs."""
        n = min(size, len(self.dataset))
        with no_grad():
            q1, _ = self.qf(
                Tensor(np.asarray(self.dataset.observations[:n], np.float32)),
                Tensor(np.asarray(self.dataset.actions[:n], np.float32)),
            )
        return float(q1.numpy().mean())

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        with no_grad():
            dist = self.actor(Tensor(np.asarray(obs, np.float32)[None]))
            a = dist.mode() if deterministic else dist.sample(self.rng)
        return np.asarray(a, np.float32)[0]
