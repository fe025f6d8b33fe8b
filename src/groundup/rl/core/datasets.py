r"""Datasets of transitions: what a trained agent leaves behind for behaviour cloning,
GAIL and offline RL (CQL) to read.

:func:`collect_transitions` plays ``act(obs) -> action`` in an environment and records
every step; :class:`TransitionDataset` holds the arrays and saves them to, and loads
them from, a NumPy ``.npz`` file (written atomically). The format, one row per
environment step, in the order played:

========================  =====================  =============================================
key                       shape, dtype           meaning
========================  =====================  =============================================
``observations``          ``(N, obs_dim)`` f32   $s_t$
``actions``               ``(N,)`` int64 or      $a_t$ (discrete, or a box action)
                          ``(N, act_dim)`` f32
``rewards``               ``(N,)`` f32           $r_t$
``next_observations``     ``(N, obs_dim)`` f32   $s_{t+1}$ (the final observation at an end)
``terminated``            ``(N,)`` bool          $s_{t+1}$ is terminal: no bootstrap
``truncated``             ``(N,)`` bool          a time limit cut the episode at $s_{t+1}$
``episode_returns``       ``(E,)`` f64           the return of each complete episode
========================  =====================  =============================================

An episode ends at a row with ``terminated`` or ``truncated``; the rows of episode $k$
follow those of episode $k - 1$.

>>> import numpy as np
>>> data = collect_transitions(lambda obs: 0, "CartPole-v1", num_episodes=2, seed=0)
>>> data.observations.shape[1], data.num_episodes
(4, 2)
>>> bool(data.rewards.sum() == data.episode_returns.sum())
True
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.rl.core.envs import make_env
from groundup.utils.atomic_io import atomic_write

__all__ = ["TransitionDataset", "collect_transitions"]


@dataclass(frozen=True)
class TransitionDataset:
    """Transitions of complete episodes, as arrays (the format is in the module docstring)."""

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    episode_returns: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.observations)
        for f in fields(self):
            a = getattr(self, f.name)
            if f.name != "episode_returns" and len(a) != n:
                raise ValueError(
                    f"TransitionDataset.{f.name} has {len(a)} rows, observations have {n}"
                )
        if self.next_observations.shape != self.observations.shape:
            raise ValueError(
                f"next_observations shape {self.next_observations.shape} != observations "
                f"shape {self.observations.shape}"
            )

    def __len__(self) -> int:
        return len(self.observations)

    @property
    def num_episodes(self) -> int:
        return len(self.episode_returns)

    def episodes(self, k: int) -> TransitionDataset:
        """The first ``k`` episodes only."""
        if not 1 <= k <= self.num_episodes:
            raise ValueError(f"k must be in [1, {self.num_episodes}], got {k}")
        ends = np.flatnonzero(self.terminated | self.truncated)
        n = int(ends[k - 1]) + 1
        return TransitionDataset(
            *(getattr(self, f.name)[:n] for f in fields(self) if f.name != "episode_returns"),
            episode_returns=self.episode_returns[:k],
        )

    def save(self, path: str | Path) -> None:
        """Write the arrays to ``path`` (an ``.npz`` file), atomically."""
        buf = io.BytesIO()
        np.savez(buf, **{f.name: getattr(self, f.name) for f in fields(self)})
        atomic_write(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> TransitionDataset:
        """Read a dataset :meth:`save` wrote; a clear error when a key is missing."""
        with np.load(path) as z:
            missing = [f.name for f in fields(cls) if f.name not in z.files]
            if missing:
                raise ValueError(f"{path} is not a transition dataset: missing {missing}")
            return cls(**{f.name: z[f.name] for f in fields(cls)})


def collect_transitions(
    act: Callable[[np.ndarray], Any],
    env_id: str | Callable[[], gym.Env],
    num_episodes: int | None = None,
    num_steps: int | None = None,
    seed: int = 0,
) -> TransitionDataset:
    """Play ``act`` for ``num_episodes`` episodes, or until ``num_steps`` steps (the episode
    running then is completed); episode $k$ is reset with seed ``seed + k``."""
    if (num_episodes is None) == (num_steps is None):
        raise ValueError("give exactly one of num_episodes and num_steps")
    if (num_episodes or num_steps or 0) < 1:
        raise ValueError(
            f"num_episodes/num_steps must be positive, got {num_episodes or num_steps}"
        )
    env = make_env(env_id)
    discrete = isinstance(env.action_space, gym.spaces.Discrete)
    rows: dict[str, list[Any]] = {f.name: [] for f in fields(TransitionDataset)}
    k = 0
    while (num_episodes is not None and k < num_episodes) or (
        num_steps is not None and len(rows["rewards"]) < num_steps
    ):
        obs, _ = env.reset(seed=seed + k)
        total, done = 0.0, False
        while not done:
            a = act(obs)
            next_obs, r, term, trunc, _ = env.step(a)
            for name, v in (
                ("observations", obs),
                ("actions", a),
                ("rewards", r),
                ("next_observations", next_obs),
                ("terminated", term),
                ("truncated", trunc),
            ):
                rows[name].append(v)
            total += float(r)
            done = term or trunc
            obs = next_obs
        rows["episode_returns"].append(total)
        k += 1
    env.close()
    return TransitionDataset(
        observations=np.asarray(rows["observations"], np.float32),
        actions=np.asarray(rows["actions"], np.int64 if discrete else np.float32),
        rewards=np.asarray(rows["rewards"], np.float32),
        next_observations=np.asarray(rows["next_observations"], np.float32),
        terminated=np.asarray(rows["terminated"], bool),
        truncated=np.asarray(rows["truncated"], bool),
        episode_returns=np.asarray(rows["episode_returns"], np.float64),
    )
