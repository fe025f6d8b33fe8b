r"""The act-store-train loop that every off-policy agent (DQN, DDPG, TD3, SAC) shares.

An off-policy agent alternates two things: it steps one environment, storing each
transition $(s, a, r, s', \text{terminated}, \text{truncated})$ in a replay buffer, and
it trains on minibatches sampled from that buffer. Only *how* it acts and *how* it
trains differ between algorithms, so :class:`OffPolicyAgent` owns the loop and asks
its subclass three questions:

* :meth:`~OffPolicyAgent.random_action` — the action before ``learning_starts``
  (uniform exploration that fills the buffer);
* :meth:`~OffPolicyAgent.explore` — the action afterwards (ε-greedy, Gaussian noise,
  a sample of a stochastic policy);
* :meth:`~OffPolicyAgent.train` — called after every environment step; it trains
  when it is due and returns its statistics, or ``None`` when it did nothing.

The environment is one copy in a ``gymnasium.vector.SyncVectorEnv`` with Gymnasium's
default *next-step* autoreset; the replay buffer drops the step after an episode's end
(final observation → reset observation is not a transition). :meth:`state_dict` holds
everything that changes while training — networks, optimisers, buffer, random
generators, counters and the environment's own state (:func:`~groundup.rl.core.envs.env_state`: arrays,
numbers and random-generator states, never a pickled object) — so a run resumes bit
for bit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.rl.core.envs import _plain, env_state, evaluate_policy, load_env_state, make_env
from groundup.rl.core.replay_buffer import ReplayBuffer

__all__ = ["OffPolicyAgent", "TensorState"]


class TensorState:
    """``state_dict``/``load_state_dict`` for one bare tensor (SAC's $\\log\\alpha$)."""

    def __init__(self, tensor: Any) -> None:
        self.tensor = tensor

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"data": self.tensor.data.copy()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.tensor.data[...] = np.asarray(state["data"])


class OffPolicyAgent:
    """Base of DQN, DDPG, TD3 and SAC: environment, episode bookkeeping and ``learn``.

    A subclass calls :meth:`_init_env` first in its ``__init__``, builds its networks and
    ``self.buffer``, then calls :meth:`_reset_env`; it implements ``act``,
    :meth:`random_action`, :meth:`explore` and :meth:`train`, and lists what it learns
    in :meth:`_modules` (name -> object with ``state_dict``/``load_state_dict``).
    """

    #: how many recent episodes the logged ``episode_return`` averages
    return_window: int = 10
    #: environment steps between logged rows (when ``learn`` is not told otherwise)
    log_every: int = 1000
    #: the algorithm's name in messages
    name: str = "agent"

    config: Any
    buffer: ReplayBuffer
    rng: np.random.Generator

    # ------------------------------------------------------------------ set-up
    def _init_env(
        self,
        env_fn: Callable[[], gym.Env] | str,
        space: type[gym.Space],
        alternatives: str,
    ) -> tuple[gym.spaces.Box, gym.Space]:
        """One env copy; checks its spaces, naming the algorithm and what to use instead."""
        self.env_source = env_fn
        self.envs = gym.vector.SyncVectorEnv([lambda: make_env(self.env_source)])
        obs_space, act_space = self.envs.single_observation_space, self.envs.single_action_space
        if not isinstance(act_space, space):
            kind = "Discrete" if space is gym.spaces.Discrete else "Box"
            raise ValueError(
                f"{self.name} needs a {kind} action space, got {act_space}: {alternatives}"
            )
        if not isinstance(obs_space, gym.spaces.Box) or len(obs_space.shape) != 1:
            raise ValueError(f"{self.name} needs a flat Box observation space, got {obs_space}")
        return obs_space, act_space

    def _reset_env(self, seed: int) -> None:
        self.global_step = 0
        self._obs, _ = self.envs.reset(seed=seed)
        self.envs.action_space.seed(seed)
        self._episode_return = 0.0
        self._after_end = False
        self._recent: list[float] = []
        self._stats: dict[str, float] = {}

    # ------------------------------------------------------------------ what subclasses define
    def act(self, obs: np.ndarray, deterministic: bool = True) -> Any:
        """The action for one observation (deterministic: the one evaluation uses)."""
        raise NotImplementedError

    def random_action(self) -> np.ndarray:
        """The batched action ``(1, ...)`` before ``learning_starts``."""
        raise NotImplementedError

    def explore(self, obs: np.ndarray) -> np.ndarray:
        """The batched exploratory action ``(1, ...)`` for the batched observation ``obs``."""
        raise NotImplementedError

    def train(self) -> dict[str, float] | None:
        """Train if due after step ``self.global_step``; its statistics, or ``None``."""
        raise NotImplementedError

    def _modules(self) -> dict[str, Any]:
        """What learns: networks, optimisers (anything with ``state_dict``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the loop
    def collect(self) -> None:
        """Step the environment once and store the transition."""
        if self.global_step < self.config.learning_starts:
            a = self.random_action()
        else:
            a = self.explore(self._obs)
        next_obs, r, term, trunc, _ = self.envs.step(a)
        self.buffer.add(self._obs, a, r, next_obs, term, trunc)
        # the step after an end is the autoreset's (reward 0): not part of any episode
        if not self._after_end:
            self._episode_return += float(r[0])
        self._after_end = bool(term[0] or trunc[0])
        if self._after_end:
            self._recent = (self._recent + [self._episode_return])[-self.return_window :]
            self._episode_return = 0.0
        self._obs = next_obs
        self.global_step += 1

    def learn(
        self,
        total_timesteps: int | None = None,
        callback: Callable[[dict[str, float]], Any] | None = None,
        log_every: int | None = None,
    ) -> list[dict[str, float]]:
        """Collect and train until ``total_timesteps`` steps (from ``global_step`` on).

        Every ``log_every`` steps after the first training, ``callback(row)`` gets a row:
        ``step``, ``episode_return`` (mean of the last ``return_window`` episodes),
        ``seconds`` and the latest training statistics. Returns the rows.
        """
        total = total_timesteps or self.config.total_timesteps
        log_every = log_every or self.log_every
        history = []
        t0 = time.perf_counter()
        while self.global_step < total:
            self.collect()
            stats = self.train()
            if stats is not None:
                self._stats = stats
            if self._stats and self.global_step % log_every == 0:
                recent = self._recent
                row = {
                    "step": self.global_step,
                    "episode_return": float(np.mean(recent)) if recent else float("nan"),
                    "seconds": time.perf_counter() - t0,
                    **self._stats,
                }
                history.append(row)
                if callback is not None:
                    callback(row)
        return history

    def latest_stats(self) -> dict[str, float]:
        """The last training statistics and ``episode_return``, the recent episodes' mean."""
        recent = {"episode_return": float(np.mean(self._recent))} if self._recent else {}
        return {**recent, **self._stats}

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        """Mean and std of the deterministic policy's return over ``num_episodes`` episodes."""
        return evaluate_policy(self.act, self.env_source, num_episodes, seed)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything that changes while training, as arrays, numbers and nested dicts.

        The environment (mid-episode) is stored by :func:`~groundup.rl.core.envs.env_state` — its arrays, numbers
        and random-generator states — and restored into the environment this agent's
        configuration builds, so loading a checkpoint unpickles nothing.
        """
        return {
            "modules": {k: m.state_dict() for k, m in self._modules().items()},
            "buffer": self.buffer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "action_space_rng": self.envs.action_space.np_random.bit_generator.state,
            "global_step": self.global_step,
            "obs": np.array(self._obs),
            "episode_return": self._episode_return,
            "after_end": self._after_end,
            "recent": np.array(self._recent, np.float64),
            "stats": dict(self._stats),
            "env": {str(k): env_state(e) for k, e in enumerate(self.envs.envs)},
            "autoreset": np.array(self.envs._autoreset_envs),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (the same configuration)."""
        if "autoreset" not in state:
            raise ValueError(
                f"{self.name}: this state_dict holds no environment state (a checkpoint "
                "written before environments were stored as arrays cannot be loaded)"
            )
        for k, e in enumerate(self.envs.envs):  # first: it refuses another environment's state
            load_env_state(e, state["env"][str(k)])
        self.envs._autoreset_envs = np.array(state["autoreset"], bool)
        for k, m in self._modules().items():
            m.load_state_dict(state["modules"][k])
        self.buffer.load_state_dict(state["buffer"])
        self.rng.bit_generator.state = _plain(state["rng"])
        self.envs.action_space.np_random.bit_generator.state = _plain(state["action_space_rng"])
        self.global_step = int(state["global_step"])
        self._obs = np.array(state["obs"])
        self._episode_return = float(state["episode_return"])
        self._after_end = bool(state["after_end"])
        self._recent = [float(x) for x in np.asarray(state["recent"]).reshape(-1)]
        self._stats = {k: float(v) for k, v in dict(state["stats"]).items()}
