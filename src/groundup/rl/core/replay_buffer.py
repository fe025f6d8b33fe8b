r"""A uniform experience-replay buffer for off-policy agents (DQN, DDPG, TD3, SAC).

Transitions $(s, a, r, s', \text{terminated}, \text{truncated})$ go into fixed-size
ring arrays; :meth:`ReplayBuffer.sample` draws a minibatch uniformly. Three details
decide whether an agent learns, and each has a test:

* **terminated and truncated are stored apart.** The TD target
  $y = r + \gamma^n (1 - \text{terminated})\,Q'(s', \cdot)$ bootstraps through a time
  limit but not through a real end. Storing ``done = terminated or truncated`` teaches
  the agent that time limits are cliffs.
* **Gymnasium ≥ 1.0 vector environments reset on the *next* step.** The step after
  an episode ends returns the reset observation with reward 0, ignoring the action:
  the pair (final observation → reset observation) is not a transition of the MDP.
  Feed every step to :meth:`add` in order; it drops that step for each environment
  whose previous step ended an episode.
* **n-step returns** (optional, ``n_step > 1``) store
  $R = \sum_{k=0}^{m-1} \gamma^k r_{t+k}$ with $s' = s_{t+m}$ and the bootstrap factor
  $\gamma^m$ in ``discounts``, where $m = n$, or fewer when the episode ends first.

>>> import numpy as np
>>> buf = ReplayBuffer(capacity=100, observation_shape=(2,), num_envs=1)
>>> o = np.zeros((1, 2), np.float32)
>>> buf.add(o, np.array([1]), np.array([1.0]), o + 1, np.array([False]), np.array([True]))
>>> len(buf)
1
>>> buf.add(o + 1, np.array([0]), np.array([0.0]), o, np.array([False]), np.array([False]))
>>> len(buf)            # the autoreset step after the truncation is not stored
1
>>> batch = buf.sample(4, np.random.default_rng(0))
>>> batch.truncated
array([ True,  True,  True,  True])
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ReplayBatch", "ReplayBuffer"]


@dataclass(frozen=True)
class ReplayBatch:
    """A minibatch of transitions, each field with leading dimension ``batch_size``."""

    observations: np.ndarray
    """$s$, shape ``(B, *observation_shape)``."""
    actions: np.ndarray
    """$a$, shape ``(B, *action_shape)``."""
    rewards: np.ndarray
    """$r$ (or the n-step return $R$), shape ``(B,)``, float32."""
    next_observations: np.ndarray
    """$s'$ ($s_{t+m}$ for n-step), shape ``(B, *observation_shape)``."""
    terminated: np.ndarray
    """Whether $s'$ is terminal (no bootstrap), shape ``(B,)``, bool."""
    truncated: np.ndarray
    """Whether a time limit cut the episode at $s'$ (still bootstrapped), shape ``(B,)``."""
    discounts: np.ndarray
    r"""The bootstrap factor $\gamma^m$, shape ``(B,)``, float32."""


class ReplayBuffer:
    r"""Ring buffer of transitions from ``num_envs`` environments stepped together.

    Parameters
    ----------
    capacity : int
        Number of transitions kept; the oldest is overwritten first.
    observation_shape : tuple of int
        Shape of one observation.
    action_shape : tuple of int
        Shape of one action: ``()`` for a discrete action, ``(d,)`` for a box.
    action_dtype : dtype
        ``np.int64`` for discrete actions, ``np.float32`` for continuous ones.
    num_envs : int
        How many environments each :meth:`add` call covers.
    n_step : int
        Steps summed into each stored return (1: ordinary transitions).
    gamma : float
        Discount used for n-step returns and stored in ``discounts``.
    observation_dtype : dtype
        Storage type of observations (float32 by default).
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        action_shape: tuple[int, ...] = (),
        action_dtype: Any = np.int64,
        num_envs: int = 1,
        n_step: int = 1,
        gamma: float = 0.99,
        observation_dtype: Any = np.float32,
    ) -> None:
        for name, value in (("capacity", capacity), ("num_envs", num_envs), ("n_step", n_step)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma}")
        self.capacity = int(capacity)
        self.observation_shape = tuple(observation_shape)
        self.action_shape = tuple(action_shape)
        self.num_envs = int(num_envs)
        self.n_step = int(n_step)
        self.gamma = float(gamma)
        self.observations = np.zeros((capacity, *self.observation_shape), observation_dtype)
        self.next_observations = np.zeros_like(self.observations)
        self.actions = np.zeros((capacity, *self.action_shape), action_dtype)
        self.rewards = np.zeros(capacity, np.float32)
        self.terminated = np.zeros(capacity, bool)
        self.truncated = np.zeros(capacity, bool)
        self.discounts = np.zeros(capacity, np.float32)
        self.pos = 0
        self.size = 0
        # per environment: did its previous step end an episode (the next one is an autoreset)
        self._after_end = np.zeros(self.num_envs, bool)
        # per environment: the last < n_step steps, waiting for their n-step return
        self._pending: list[deque[tuple[Any, ...]]] = [deque() for _ in range(self.num_envs)]

    def __len__(self) -> int:
        return self.size

    # ------------------------------------------------------------------ adding
    def add(
        self,
        obs: np.ndarray,
        action: np.ndarray,
        reward: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> None:
        """Store one step of every environment (arrays with leading dim ``num_envs``).

        ``next_obs`` is what ``env.step`` returned: the final observation on the step
        that ends an episode. Call this on every step, in order, including the
        autoreset step that follows an episode end (it is recognised and dropped).
        """
        E = self.num_envs
        obs = self._check("obs", obs, (E, *self.observation_shape))
        next_obs = self._check("next_obs", next_obs, (E, *self.observation_shape))
        action = self._check("action", action, (E, *self.action_shape))
        reward = self._check("reward", reward, (E,))
        terminated = self._check("terminated", terminated, (E,)).astype(bool)
        truncated = self._check("truncated", truncated, (E,)).astype(bool)
        if not np.all(np.isfinite(reward)):
            raise ValueError(f"reward must be finite, got {reward}")
        for e in range(E):
            if self._after_end[e]:
                # Gymnasium >= 1.0: this step only reset env e (action ignored, reward 0)
                self._after_end[e] = False
                continue
            self._add_one(
                e,
                obs[e],
                action[e],
                float(reward[e]),
                next_obs[e],
                bool(terminated[e]),
                bool(truncated[e]),
            )
            self._after_end[e] = terminated[e] or truncated[e]

    def _add_one(
        self, e: int, obs: Any, action: Any, reward: float, next_obs: Any, term: bool, trunc: bool
    ) -> None:
        pending = self._pending[e]
        pending.append((obs, action, reward, next_obs, term, trunc))
        # BEGIN SOLUTION
        if term or trunc:
            # the episode ended: every pending step gets its (shorter) return now
            while pending:
                self._emit(pending)
                pending.popleft()
        elif len(pending) == self.n_step:
            self._emit(pending)
            pending.popleft()
        # END SOLUTION

    def _emit(self, steps: deque[tuple[Any, ...]]) -> None:
        r"""Write the transition that starts at ``steps[0]`` and ends at ``steps[-1]``."""
        obs, action = steps[0][0], steps[0][1]
        _, _, _, next_obs, term, trunc = steps[-1]
        m = len(steps)
        # $R = \sum_{k=0}^{m-1} \gamma^k r_{t+k}$
        ret = sum(self.gamma**k * step[2] for k, step in enumerate(steps))
        i = self.pos
        self.observations[i] = obs
        self.actions[i] = action
        self.rewards[i] = ret
        self.next_observations[i] = next_obs
        self.terminated[i] = term
        self.truncated[i] = trunc
        # the TD target's bootstrap factor $\gamma^m$
        self.discounts[i] = self.gamma**m
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    @staticmethod
    def _check(name: str, a: Any, shape: tuple[int, ...]) -> np.ndarray:
        a = np.asarray(a)
        if a.shape != shape:
            raise ValueError(f"{name} must have shape {shape} (num_envs first), got {a.shape}")
        return a

    # ------------------------------------------------------------------ sampling
    def sample(self, batch_size: int, rng: np.random.Generator) -> ReplayBatch:
        """``batch_size`` transitions drawn uniformly (with replacement) from the buffer."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer: add transitions first")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        idx = rng.integers(0, self.size, size=batch_size)
        return ReplayBatch(
            observations=self.observations[idx],
            actions=self.actions[idx],
            rewards=self.rewards[idx],
            next_observations=self.next_observations[idx],
            terminated=self.terminated[idx],
            truncated=self.truncated[idx],
            discounts=self.discounts[idx],
        )

    # ------------------------------------------------------------------ checkpoints
    _ARRAYS = (
        "observations",
        "next_observations",
        "actions",
        "rewards",
        "terminated",
        "truncated",
        "discounts",
    )

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every array and counter, so an interrupted run resumes with its buffer."""
        state = {
            name: getattr(self, name)[: self.size].copy()
            if self.size < self.capacity
            else getattr(self, name).copy()
            for name in self._ARRAYS
        }
        state["pos"] = np.array(self.pos)
        state["size"] = np.array(self.size)
        state["after_end"] = self._after_end.copy()
        # pending n-step prefixes: (env, obs, action, reward, next_obs, term, trunc) rows
        rows = [(e, *step) for e, p in enumerate(self._pending) for step in p]
        state["pending_env"] = np.array([r[0] for r in rows], np.int64)
        state["pending_obs"] = np.array([r[1] for r in rows], self.observations.dtype).reshape(
            len(rows), *self.observation_shape
        )
        state["pending_action"] = np.array([r[2] for r in rows], self.actions.dtype).reshape(
            len(rows), *self.action_shape
        )
        state["pending_reward"] = np.array([r[3] for r in rows], np.float64)
        state["pending_next_obs"] = np.array([r[4] for r in rows], self.observations.dtype).reshape(
            len(rows), *self.observation_shape
        )
        state["pending_term"] = np.array([r[5] for r in rows], bool)
        state["pending_trunc"] = np.array([r[6] for r in rows], bool)
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` saved (same capacity and shapes)."""
        size = int(state["size"])
        if size > self.capacity:
            raise ValueError(f"state holds {size} transitions, more than capacity {self.capacity}")
        for name in self._ARRAYS:
            src = state[name]
            if src.shape[1:] != getattr(self, name).shape[1:]:
                raise ValueError(
                    f"state[{name!r}] has shape {src.shape}; this buffer stores "
                    f"{getattr(self, name).shape}"
                )
            getattr(self, name)[: len(src)] = src
        self.pos, self.size = int(state["pos"]), size
        self._after_end = state["after_end"].astype(bool).copy()
        self._pending = [deque() for _ in range(self.num_envs)]
        for k, e in enumerate(state["pending_env"]):
            self._pending[int(e)].append(
                (
                    state["pending_obs"][k],
                    state["pending_action"][k],
                    float(state["pending_reward"][k]),
                    state["pending_next_obs"][k],
                    bool(state["pending_term"][k]),
                    bool(state["pending_trunc"][k]),
                )
            )
