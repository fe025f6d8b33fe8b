r"""Model-based policy optimisation (MBPO, Janner et al., 2019): SAC trained mostly on short
rollouts of a learned model.

**The model** is an ensemble of $E$ probabilistic networks (PETS, Chua et al., 2018); member
$e$ maps $x = [s, a]$ (normalised) to a Gaussian over $y = [s' - s, r]$:
$\mathcal N(\mu_e(x), \operatorname{diag} e^{\ell_e(x)})$. Each is fitted by the Gaussian
negative log-likelihood

$$L_{\mathrm{NLL}} = \frac1{2N D}\sum_{n, d} \Big[(y_{nd} - \mu_{nd})^2\, e^{-\ell_{nd}} + \ell_{nd}\Big]
\;+\; 0.01\Big(\sum_d \bar\ell_d - \sum_d \underline\ell_d\Big),$$

(PyTorch's ``gaussian_nll_loss`` without the constant), where the log-variance is kept
softly inside *learned* bounds $[\underline\ell, \bar\ell]$:
$\ell = \bar\ell - \operatorname{softplus}(\bar\ell - \ell_{\text{raw}})$, then
$\ell = \underline\ell + \operatorname{softplus}(\ell - \underline\ell)$; the second term
of the loss pulls the bounds together so they hug the data's noise. The members differ
by their initial weights and minibatch order; after fitting, the ``num_elites`` with the
lowest held-out error are the *elites*, and a model step samples from a random elite —
the spread between members stands for what the data does not determine.

**The agent** alternates: every ``model_train_freq`` real steps it refits the model on
all real data, then branches ``rollout_batch_size`` rollouts of ``rollout_length`` model
steps from real states with the current policy into a model buffer; after every real
step, SAC takes ``updates_per_step`` updates on minibatches drawn a fraction
``real_ratio`` from real data and the rest from model data. Short rollouts branched from
real states keep the model's compounding error small (MBPO's bound: the error grows
with the horizon $k$, the gain in data grows with it too; $k = 1$ is often best).

>>> import numpy as np
>>> from groundup import Tensor
>>> ens = GaussianEnsemble(3, 2, ensemble_size=4, hidden_sizes=(8,), generator=np.random.default_rng(0))
>>> mean, logvar = ens(Tensor(np.zeros((4, 5, 3), np.float32)))
>>> mean.shape, bool((logvar.detach().numpy() <= 0.5).all())
((4, 5, 2), True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.sigmoid import silu, softplus
from groundup.nn_core.module import Module, Parameter
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.envs import make_env
from groundup.rl.core.replay_buffer import ReplayBatch

__all__ = [
    "MBPO",
    "DynamicsEnsemble",
    "EnsembleLinear",
    "GaussianEnsemble",
    "MBPOConfig",
    "TransitionStore",
    "gaussian_nll",
]


def gaussian_nll(mean: Tensor, logvar: Tensor, target: Any) -> Tensor:
    r"""$\frac12\,\mathrm{mean}\big[(y - \mu)^2 e^{-\ell} + \ell\big]$ — ``torch.nn.functional.gaussian_nll_loss`` with ``var = exp(logvar)``."""
    y = target if isinstance(target, Tensor) else Tensor(np.asarray(target, mean.dtype))
    if mean.shape != logvar.shape or mean.shape != y.shape:
        raise ValueError(
            f"gaussian_nll needs mean, logvar and target of one shape, got "
            f"{mean.shape}, {logvar.shape}, {y.shape}"
        )
    # BEGIN SOLUTION
    return 0.5 * (((y - mean) ** 2) * (-logvar).exp() + logvar).mean()
    # END SOLUTION


class EnsembleLinear(Module):
    r"""$E$ independent linear maps at once: $x_e W_e + b_e$ for ``x`` of shape ``(E, B, in)``."""

    def __init__(
        self, ensemble_size: int, in_features: int, out_features: int, generator: Any = None
    ) -> None:
        super().__init__()
        rng = generator if generator is not None else np.random.default_rng()
        bound = 1.0 / math.sqrt(in_features)  # PyTorch's Linear default range
        shape = (ensemble_size, in_features, out_features)
        self.weight = Parameter(rng.uniform(-bound, bound, shape).astype(np.float32))
        self.bias = Parameter(
            rng.uniform(-bound, bound, (ensemble_size, 1, out_features)).astype(np.float32)
        )

    def forward(self, x: Tensor) -> Tensor:
        return x @ self.weight + self.bias  # (E, B, out)


class GaussianEnsemble(Module):
    r"""$E$ MLPs (SiLU) with outputs $(\mu, \ell)$, each ``(E, B, out_dim)``; $\ell$ within learned bounds."""

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        ensemble_size: int = 7,
        hidden_sizes: Sequence[int] = (200, 200, 200, 200),
        generator: Any = None,
    ) -> None:
        super().__init__()
        if ensemble_size < 1 or in_dim < 1 or out_dim < 1:
            raise ValueError(
                f"need positive in_dim, out_dim, ensemble_size, got {in_dim}, {out_dim}, "
                f"{ensemble_size}"
            )
        self.in_dim, self.out_dim, self.ensemble_size = in_dim, out_dim, ensemble_size
        sizes = [in_dim, *hidden_sizes, 2 * out_dim]
        self.layers = [
            EnsembleLinear(ensemble_size, a, b, generator) for a, b in itertools.pairwise(sizes)
        ]
        for k, layer in enumerate(self.layers):
            setattr(self, f"layer{k}", layer)
        # PETS' initial bounds: $\bar\ell = 0.5$, $\underline\ell = -10$
        self.max_logvar = Parameter(np.full((1, 1, out_dim), 0.5, np.float32))
        self.min_logvar = Parameter(np.full((1, 1, out_dim), -10.0, np.float32))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.ndim != 3 or x.shape[0] != self.ensemble_size or x.shape[2] != self.in_dim:
            raise ValueError(
                f"GaussianEnsemble: input must have shape ({self.ensemble_size}, B, {self.in_dim}), "
                f"got {x.shape}"
            )
        h = x
        for layer in self.layers[:-1]:
            h = silu(layer(h))
        out = self.layers[-1](h)
        D = self.out_dim
        mean, raw = out[..., :D], out[..., D:]
        # BEGIN SOLUTION
        # soft bounds: $\ell = \bar\ell - \mathrm{softplus}(\bar\ell - \ell_{raw})$, $\ell = \underline\ell + \mathrm{softplus}(\ell - \underline\ell)$
        logvar = self.max_logvar - softplus(self.max_logvar - raw)
        logvar = self.min_logvar + softplus(logvar - self.min_logvar)
        # END SOLUTION
        return mean, logvar

    def loss(self, x: Tensor, y: Any) -> Tensor:
        r"""$L_{\mathrm{NLL}}$ plus $0.01(\sum\bar\ell - \sum\underline\ell)$ for ``x`` ``(E, B, in)``, ``y`` ``(E, B, out)``."""
        mean, logvar = self(x)
        bounds = 0.01 * (self.max_logvar.sum() - self.min_logvar.sum())
        return gaussian_nll(mean, logvar, y) + bounds


class DynamicsEnsemble:
    r"""A :class:`GaussianEnsemble` of $p(s' - s, r \mid s, a)$ with normalised inputs, a
    held-out split, elites, and sampling of model steps.

    ``reward_fn(obs, action, next_obs) -> (B,)``, when given, replaces the learned reward
    (the model then predicts $s' - s$ only).
    """

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        ensemble_size: int = 7,
        num_elites: int = 5,
        hidden_sizes: Sequence[int] = (200, 200, 200, 200),
        learning_rate: float = 1e-3,
        batch_size: int = 256,
        holdout_ratio: float = 0.2,
        reward_fn: Callable[..., np.ndarray] | None = None,
        generator: Any = None,
    ) -> None:
        if not 1 <= num_elites <= ensemble_size:
            raise ValueError(
                f"need 1 <= num_elites <= ensemble_size, got {num_elites}, {ensemble_size}"
            )
        self.obs_dim, self.action_dim = obs_dim, action_dim
        self.reward_fn = reward_fn
        out_dim = obs_dim + (0 if reward_fn else 1)
        self.rng = generator if generator is not None else np.random.default_rng()
        self.net = GaussianEnsemble(
            obs_dim + action_dim, out_dim, ensemble_size, hidden_sizes, generator=self.rng
        )
        self.optimizer = Adam(self.net.parameters(), lr=learning_rate)
        self.num_elites, self.batch_size, self.holdout_ratio = num_elites, batch_size, holdout_ratio
        self.in_mean = np.zeros(obs_dim + action_dim, np.float32)
        self.in_std = np.ones(obs_dim + action_dim, np.float32)
        self.elites = np.arange(num_elites)

    def _targets(self, obs, actions, next_obs, rewards) -> np.ndarray:
        delta = next_obs - obs
        return delta if self.reward_fn else np.concatenate([delta, rewards[:, None]], 1)

    def _inputs(self, obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
        x = np.concatenate([obs, actions], 1).astype(np.float32)
        return (x - self.in_mean) / self.in_std

    def fit(self, obs, actions, next_obs, rewards, epochs: int = 20) -> dict[str, float]:
        """Fit every member for ``epochs`` passes; choose the elites on the held-out split."""
        n = len(obs)
        x = np.concatenate([obs, actions], 1).astype(np.float32)
        self.in_mean, self.in_std = x.mean(0), x.std(0) + 1e-6
        x = (x - self.in_mean) / self.in_std
        y = self._targets(obs, actions, next_obs, rewards).astype(np.float32)
        order = self.rng.permutation(n)
        n_hold = min(int(n * self.holdout_ratio), 5_000) if n >= 10 else 0
        hold, train = order[:n_hold], order[n_hold:]
        E, bs = self.net.ensemble_size, self.batch_size
        losses = []
        for _ in range(epochs):
            # each member its own order of the training split
            perms = np.stack([self.rng.permutation(train) for _ in range(E)])  # (E, n_train)
            for start in range(0, len(train), bs):
                idx = perms[:, start : start + bs]  # (E, b)
                loss = self.net.loss(Tensor(x[idx]), y[idx])
                if not np.isfinite(loss.item()):
                    raise FloatingPointError(f"dynamics model loss is {loss.item()}")
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                losses.append(loss.item())
        held = hold if n_hold else train
        with no_grad():
            mean, _ = self.net(Tensor(np.broadcast_to(x[held], (E, *x[held].shape)).copy()))
        mse = ((mean.numpy() - y[held][None]) ** 2).mean(axis=(1, 2))  # (E,)
        self.elites = np.argsort(mse)[: self.num_elites]
        return {
            "model_loss": float(np.mean(losses[-10:])),
            "model_holdout_mse": float(mse[self.elites].mean()),
        }

    def step(
        self, obs: np.ndarray, actions: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """A sampled model step for a batch: next observations ``(B, obs_dim)`` and rewards ``(B,)``."""
        B, E = len(obs), self.net.ensemble_size
        x = self._inputs(obs, actions)
        with no_grad():
            mean, logvar = self.net(Tensor(np.broadcast_to(x, (E, *x.shape)).copy()))
        member = self.elites[rng.integers(self.num_elites, size=B)]  # a random elite per row
        mu, lv = mean.numpy()[member, np.arange(B)], logvar.numpy()[member, np.arange(B)]
        sample = mu + np.exp(0.5 * lv) * rng.standard_normal(mu.shape).astype(np.float32)
        next_obs = obs + sample[:, : self.obs_dim]
        if self.reward_fn is not None:
            rewards = np.asarray(self.reward_fn(obs, actions, next_obs), np.float32)
        else:
            rewards = sample[:, self.obs_dim]
        return next_obs.astype(np.float32), rewards.astype(np.float32)


class TransitionStore:
    """A plain ring buffer of single transitions (real or model), sampled uniformly."""

    def __init__(self, capacity: int, obs_dim: int, action_dim: int, gamma: float) -> None:
        self.capacity, self.gamma = capacity, gamma
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros((capacity, action_dim), np.float32)
        self.rewards = np.zeros(capacity, np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.terminated = np.zeros(capacity, bool)
        self.pos = self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs, actions, rewards, next_obs, terminated) -> None:
        """Add a batch of transitions (leading dimension B)."""
        for k in range(len(obs)):
            i = self.pos
            self.obs[i], self.actions[i], self.rewards[i] = obs[k], actions[k], rewards[k]
            self.next_obs[i], self.terminated[i] = next_obs[k], terminated[k]
            self.pos = (self.pos + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> ReplayBatch:
        if self.size == 0:
            raise ValueError("sample() from an empty TransitionStore")
        i = rng.integers(self.size, size=batch_size)
        return ReplayBatch(
            self.obs[i],
            self.actions[i],
            self.rewards[i],
            self.next_obs[i],
            self.terminated[i],
            np.zeros(batch_size, bool),
            np.full(batch_size, self.gamma, np.float32),
        )

    def state_dict(self) -> dict[str, np.ndarray]:
        names = ("obs", "actions", "rewards", "next_obs", "terminated")
        return {
            **{n: getattr(self, n).copy() for n in names},
            "counters": np.array([self.pos, self.size]),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for n in ("obs", "actions", "rewards", "next_obs", "terminated"):
            getattr(self, n)[...] = np.asarray(state[n])
        self.pos, self.size = (int(v) for v in np.asarray(state["counters"]))


class _MixedBuffer:
    """SAC's minibatches: a fraction ``real_ratio`` from real data, the rest from model data."""

    def __init__(self, real: TransitionStore, model: TransitionStore, real_ratio: float) -> None:
        self.real, self.model, self.real_ratio = real, model, real_ratio

    def __len__(self) -> int:
        return len(self.real)

    def sample(self, batch_size: int, rng: np.random.Generator) -> ReplayBatch:
        n_real = batch_size if len(self.model) == 0 else round(batch_size * self.real_ratio)
        parts = [self.real.sample(n_real, rng)] if n_real else []
        if batch_size - n_real:
            parts.append(self.model.sample(batch_size - n_real, rng))
        return ReplayBatch(
            *(np.concatenate(f) for f in zip(*(_fields(p) for p in parts), strict=True))
        )


def _fields(b: ReplayBatch) -> tuple[np.ndarray, ...]:
    return (
        b.observations,
        b.actions,
        b.rewards,
        b.next_observations,
        b.terminated,
        b.truncated,
        b.discounts,
    )


@dataclass
class MBPOConfig:
    """MBPO's hyperparameters (mbrl-lib's and the paper's, scaled to a CPU)."""

    learning_starts: int = 500
    """Uniformly random real steps before the first model fit."""
    model_train_freq: int = 250
    """Real steps between model fits (and rollout batches)."""
    model_epochs: int = 20
    """Passes over the real data per model fit."""
    ensemble_size: int = 7
    """Members of the dynamics ensemble."""
    num_elites: int = 5
    """Members kept for rollouts (lowest held-out error)."""
    model_hidden_sizes: tuple[int, ...] = (200, 200, 200, 200)
    """Hidden widths of each member."""
    model_lr: float = 1e-3
    """Adam's learning rate of the model."""
    rollout_batch_size: int = 400
    """Real states each rollout batch branches from."""
    rollout_length: int = 1
    """Model steps per branched rollout."""
    model_retain: int = 1
    """Rollout batches the model buffer keeps."""
    real_ratio: float = 0.05
    """Fraction of each SAC minibatch drawn from real data."""
    updates_per_step: int = 10
    """SAC updates per real step."""
    batch_size: int = 256
    """SAC's minibatch."""
    gamma: float = 0.99
    """Discount factor."""
    lr: float = 3e-4
    """SAC's learning rate."""
    alpha: float = 1.0
    """SAC's initial temperature (small when rewards are small)."""
    hidden_sizes: tuple[int, ...] = (256, 256)
    """SAC's widths."""
    target_entropy: float | None = None
    """SAC's target entropy (None: minus the action dimension)."""
    seed: int = 0
    """Seeds everything."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.real_ratio <= 1.0:
            raise ValueError(f"MBPOConfig.real_ratio must be in [0, 1], got {self.real_ratio}")
        for name in (
            "model_train_freq",
            "rollout_batch_size",
            "rollout_length",
            "updates_per_step",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"MBPOConfig.{name} must be positive, got {getattr(self, name)}")


class MBPO:
    """MBPO on a Box-action env: ``learn(total)`` runs real episodes; ``act`` is SAC's mean action."""

    name = "MBPO"

    def __init__(
        self,
        env_fn: Callable[[], gym.Env] | str,
        config: MBPOConfig | None = None,
        reward_fn: Callable[..., np.ndarray] | None = None,
        termination_fn: Callable[..., np.ndarray] | None = None,
    ) -> None:
        from groundup.rl.actor_critic.sac import SAC, SACConfig

        self.config = cfg = config or MBPOConfig()
        self.env_fn = env_fn
        self.env = make_env(env_fn)
        if not isinstance(self.env.action_space, gym.spaces.Box):
            raise ValueError(f"MBPO needs a Box action space, got {self.env.action_space}")
        obs_dim, act_dim = self.env.observation_space.shape[0], self.env.action_space.shape[0]
        self.sac = SAC(
            SACConfig(
                total_timesteps=1,
                buffer_size=1,
                learning_starts=0,
                batch_size=cfg.batch_size,
                gamma=cfg.gamma,
                policy_lr=cfg.lr,
                q_lr=cfg.lr,
                target_entropy=cfg.target_entropy,
                alpha=cfg.alpha,
                hidden_sizes=tuple(cfg.hidden_sizes),
                seed=cfg.seed,
            ),
            env_fn=lambda: make_env(env_fn),
        )
        self.model = DynamicsEnsemble(
            obs_dim,
            act_dim,
            cfg.ensemble_size,
            cfg.num_elites,
            cfg.model_hidden_sizes,
            cfg.model_lr,
            reward_fn=reward_fn,
            generator=np.random.default_rng([cfg.seed, 3]),
        )
        self.termination_fn = termination_fn
        self.real = TransitionStore(1_000_000, obs_dim, act_dim, cfg.gamma)
        model_capacity = cfg.rollout_batch_size * cfg.rollout_length * cfg.model_retain
        self.model_buffer = TransitionStore(model_capacity, obs_dim, act_dim, cfg.gamma)
        self.sac.buffer = _MixedBuffer(self.real, self.model_buffer, cfg.real_ratio)
        self.rng = np.random.default_rng([cfg.seed, 2])
        self.global_step = 0
        self._obs: np.ndarray | None = None
        self._stats: dict[str, float] = {}

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        return self.sac.act(obs, deterministic)

    def rollout(self) -> None:
        """Branch ``rollout_batch_size`` rollouts of ``rollout_length`` model steps from real states."""
        cfg = self.config
        i = self.rng.integers(len(self.real), size=cfg.rollout_batch_size)
        obs = self.real.obs[i]
        for _ in range(cfg.rollout_length):
            with no_grad():
                a = np.asarray(self.sac.actor(Tensor(obs)).sample(self.rng), np.float32)
            next_obs, r = self.model.step(obs, a, self.rng)
            done = (
                np.asarray(self.termination_fn(obs, a, next_obs), bool)
                if self.termination_fn
                else np.zeros(len(obs), bool)
            )
            self.model_buffer.add(obs, a, r, next_obs, done)
            obs = next_obs[~done]
            if len(obs) == 0:
                break

    def step(self) -> float | None:
        """One real step (then the model fit/rollouts and SAC updates due); the episode's return at its end."""
        cfg = self.config
        if self._obs is None:
            self._obs, _ = self.env.reset(seed=int(self.rng.integers(2**31)))
            self._return = 0.0
        if self.global_step < cfg.learning_starts:
            a = self.rng.uniform(self.env.action_space.low, self.env.action_space.high).astype(
                np.float32
            )
        else:
            a = self.act(self._obs, deterministic=False)
        next_obs, r, term, trunc, _ = self.env.step(a)
        self.real.add(self._obs[None], a[None], [r], np.asarray(next_obs)[None], [term])
        self._return += float(r)
        self._obs = next_obs
        self.global_step += 1
        if self.global_step >= cfg.learning_starts:
            if (self.global_step - cfg.learning_starts) % cfg.model_train_freq == 0:
                r_ = self.real
                n = len(r_)
                self._stats.update(
                    self.model.fit(
                        r_.obs[:n],
                        r_.actions[:n],
                        r_.next_obs[:n],
                        r_.rewards[:n],
                        cfg.model_epochs,
                    )
                )
                self.rollout()
            for _ in range(cfg.updates_per_step):
                self._stats.update(self.sac.update())
        if term or trunc:
            self._obs = None
            return self._return
        return None

    def learn(self, total_timesteps: int) -> list[float]:
        """Real steps until ``total_timesteps``; the returns of the episodes that ended."""
        returns = []
        while self.global_step < total_timesteps:
            ret = self.step()
            if ret is not None:
                returns.append(ret)
        return returns

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        from groundup.rl.core.envs import evaluate_policy

        return evaluate_policy(self.act, self.env_fn, num_episodes, seed)

    def latest_stats(self) -> dict[str, float]:
        return dict(self._stats)
