r"""Identity environments: the smallest problems an RL agent must solve (Stable-Baselines3's
``IdentityEnv``), for learning tests that take seconds.

* :class:`IdentityEnv` — the observation is a one-hot state $s \in \{0, \dots, n-1\}$;
  reward 1 when the action equals $s$, else 0; a new random state every step; an episode
  is cut (truncated) after ``ep_length`` steps. The optimal return is ``ep_length``.
* :class:`IdentityEnvBox` — the observation is $x \sim U[-1, 1]$; the action $a \in [-1, 1]$
  earns 1 when $|a - x| < \epsilon$. Continuous control in one line.

>>> env = IdentityEnv(n=3, ep_length=5)
>>> obs, _ = env.reset(seed=0)
>>> obs, env.step(int(obs.argmax()))[1]
(array([0., 0., 1.], dtype=float32), 1.0)
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

__all__ = ["IdentityEnv", "IdentityEnvBox"]


class IdentityEnv(gym.Env):
    """Reward 1 for repeating the one-hot state as a discrete action."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, n: int = 4, ep_length: int = 20) -> None:
        if n < 2 or ep_length < 1:
            raise ValueError(f"need n >= 2 and ep_length >= 1, got n={n}, ep_length={ep_length}")
        self.n, self.ep_length = n, ep_length
        self.observation_space = gym.spaces.Box(0.0, 1.0, (n,), np.float32)
        self.action_space = gym.spaces.Discrete(n)

    def _obs(self) -> np.ndarray:
        return np.eye(self.n, dtype=np.float32)[self.state]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        self.state = int(self.np_random.integers(self.n))
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        reward = 1.0 if int(action) == self.state else 0.0
        self.t += 1
        self.state = int(self.np_random.integers(self.n))
        return self._obs(), reward, False, self.t >= self.ep_length, {}


class IdentityEnvBox(gym.Env):
    """Reward 1 for an action within ``eps`` of the observation in [-1, 1]."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, eps: float = 0.1, ep_length: int = 20) -> None:
        self.eps, self.ep_length = eps, ep_length
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        self.x = self.np_random.uniform(-1, 1, (1,)).astype(np.float32)
        return self.x.copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        reward = (
            1.0
            if abs(float(np.asarray(action).reshape(-1)[0]) - float(self.x[0])) < self.eps
            else 0.0
        )
        self.t += 1
        self.x = self.np_random.uniform(-1, 1, (1,)).astype(np.float32)
        return self.x.copy(), reward, False, self.t >= self.ep_length, {}
