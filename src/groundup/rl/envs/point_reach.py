r"""``PointReach2D``: a point mass that must reach a goal in $[-1, 1]^2$ — a goal environment
in the ``gymnasium_robotics`` style (Fetch's reward contract), small enough to train in a
minute.

The observation is a dict: ``observation`` $= [p, v]$ (position and velocity),
``achieved_goal`` $= p$ and ``desired_goal`` $= g$. The action $a \in [-1, 1]^2$ is a force:

$$v \leftarrow \operatorname{clip}(0.8\,v + 0.1\,a,\ -1, 1),\qquad p \leftarrow \operatorname{clip}(p + v,\ -1, 1).$$

The reward is sparse, $r = -[\lVert p - g\rVert > 0.05]$ (0 at the goal, −1 elsewhere);
``info["is_success"]`` is $\lVert p - g\rVert \le 0.05$. An episode never terminates and is
truncated after 50 steps, like FetchReach. :meth:`PointReach2D.compute_reward` works on
batches (the last axis is the goal's), so a hindsight replay buffer can recompute the
rewards of relabelled goals: ``reward == compute_reward(achieved_goal, desired_goal, info)``.

A random policy almost never succeeds (the goal starts more than 0.05 away and must be
reached and held); a sparse reward then gives an ordinary agent nothing to learn from,
which is the problem hindsight relabelling solves.

>>> env = PointReach2D()
>>> obs, _ = env.reset(seed=0)
>>> sorted(obs), obs["observation"].shape
(['achieved_goal', 'desired_goal', 'observation'], (4,))
>>> _, reward, terminated, truncated, info = env.step(np.zeros(2, np.float32))
>>> reward, terminated, truncated, info["is_success"]
(-1.0, False, False, False)
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

__all__ = ["GoalObservation", "PointReach2D"]


class PointReach2D(gym.Env):
    """A 2-D point mass reaching a goal; sparse reward, success within ``distance_threshold``."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, max_steps: int = 50, distance_threshold: float = 0.05) -> None:
        if max_steps < 1 or distance_threshold <= 0:
            raise ValueError(
                f"need max_steps >= 1 and distance_threshold > 0, got {max_steps}, "
                f"{distance_threshold}"
            )
        self.max_steps, self.distance_threshold = max_steps, distance_threshold
        box = lambda n: gym.spaces.Box(-1.0, 1.0, (n,), np.float32)  # noqa: E731
        self.observation_space = gym.spaces.Dict(
            {"observation": box(4), "achieved_goal": box(2), "desired_goal": box(2)}
        )
        self.action_space = box(2)
        self.pos = np.zeros(2, np.float32)
        self.vel = np.zeros(2, np.float32)
        self.goal = np.zeros(2, np.float32)
        self.steps = 0

    def compute_reward(self, achieved_goal: Any, desired_goal: Any, info: Any = None) -> Any:
        r"""$-[\lVert ag - dg\rVert > \epsilon]$ over the last axis; any batch shape ``(..., 2)``."""
        # BEGIN SOLUTION
        d = np.linalg.norm(np.asarray(achieved_goal) - np.asarray(desired_goal), axis=-1)
        return -(d > self.distance_threshold).astype(np.float32)
        # END SOLUTION

    def _obs(self) -> dict[str, np.ndarray]:
        return {
            "observation": np.concatenate([self.pos, self.vel]).astype(np.float32),
            "achieved_goal": self.pos.copy(),
            "desired_goal": self.goal.copy(),
        }

    def _info(self) -> dict[str, Any]:
        d = float(np.linalg.norm(self.pos - self.goal))
        return {"is_success": d <= self.distance_threshold, "distance": d}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        self.pos = self.np_random.uniform(-1, 1, 2).astype(np.float32)
        self.vel = np.zeros(2, np.float32)
        while True:  # a goal that is not already reached
            self.goal = self.np_random.uniform(-1, 1, 2).astype(np.float32)
            if np.linalg.norm(self.goal - self.pos) > self.distance_threshold:
                break
        self.steps = 0
        return self._obs(), self._info()

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict]:
        a = np.clip(np.asarray(action, np.float32).reshape(2), -1.0, 1.0)
        # $v \leftarrow \mathrm{clip}(0.8 v + 0.1 a)$, $p \leftarrow \mathrm{clip}(p + v)$
        self.vel = np.clip(0.8 * self.vel + 0.1 * a, -1.0, 1.0).astype(np.float32)
        self.pos = np.clip(self.pos + self.vel, -1.0, 1.0).astype(np.float32)
        self.steps += 1
        obs = self._obs()
        reward = float(self.compute_reward(obs["achieved_goal"], obs["desired_goal"]))
        return obs, reward, False, self.steps >= self.max_steps, self._info()


class GoalObservation(gym.ObservationWrapper):
    """A goal env seen as a flat Box: ``[observation, desired_goal]`` (what the networks read)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        spaces = env.observation_space
        lo = np.concatenate([spaces["observation"].low, spaces["desired_goal"].low])
        hi = np.concatenate([spaces["observation"].high, spaces["desired_goal"].high])
        self.observation_space = gym.spaces.Box(lo, hi, dtype=np.float32)

    def observation(self, obs: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([obs["observation"], obs["desired_goal"]]).astype(np.float32)
