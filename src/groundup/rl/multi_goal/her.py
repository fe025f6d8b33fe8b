r"""Hindsight experience replay (Andrychowicz et al., 2017) with SAC, on goal environments.

With a sparse reward ($-1$ until the goal is reached) an agent that never reaches the goal
sees only $-1$ and learns nothing. HER replays each transition also with a goal the agent
*did* reach later in the same episode: the episode that missed $g$ is a success for
$g' = $ where it ended up. Stored per episode, a transition $(s_t, a_t, s_{t+1})$ with its
achieved goals is sampled with its own goal $g$ or, with probability
$1 - 1/(k + 1)$ (0.8 for $k = 4$, the "future" strategy), with

$$g' = ag_{f+1},\quad f \sim U\{t, \dots, T - 1\},\qquad r' = \texttt{compute\_reward}(ag_{t+1}, g'),$$

the achieved goal after a later (or the same) step. The reward is recomputed from the
*next* achieved goal $ag_{t+1}$ — the one the transition produced — so relabelling with
$f = t$ always yields a success. The goal is part of the network's input
($[s, g]$, :class:`~groundup.rl.envs.point_reach.GoalObservation`); the learner is
:class:`~groundup.rl.actor_critic.SAC`, its replay buffer swapped for :class:`HerReplayBuffer`.
A goal env never terminates (Fetch, PointReach2D), so targets always bootstrap.

Defaults: rl-baselines3-zoo's SAC+HER FetchReach setting (γ 0.95, lr $10^{-3}$,
batch 256, 64-64 networks, 1,000 random steps first).

>>> from groundup.rl.envs import PointReach2D
>>> env = PointReach2D()
>>> buf = HerReplayBuffer(10, 50, 4, 2, 2, env.compute_reward, n_sampled_goal=4)
>>> obs, _ = env.reset(seed=0)
>>> for t in range(50):
...     nxt, r, _, _, _ = env.step(np.ones(2, np.float32))
...     buf.add(obs, np.ones(2, np.float32), r, nxt, done=t == 49)
...     obs = nxt
>>> batch = buf.sample(8, np.random.default_rng(0))
>>> batch.observations.shape, batch.rewards.shape
((8, 6), (8,))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.rl.core.replay_buffer import ReplayBatch

__all__ = ["HER", "HERConfig", "HerReplayBuffer"]


class HerReplayBuffer:
    r"""Episodes of a goal env, sampled with hindsight goals ("future", ``n_sampled_goal`` = k).

    Parameters
    ----------
    capacity : int
        Episodes kept (the oldest is overwritten).
    max_episode_steps : int
        $T$, the longest episode.
    obs_dim, goal_dim, action_dim : int
    compute_reward : callable
        ``compute_reward(achieved_goal, desired_goal, info)``, vectorised over a batch.
    n_sampled_goal : int
        $k$: relabelled transitions per original one; 0 turns HER off.
    gamma : float
        The discount stored in each batch's ``discounts``.
    """

    def __init__(
        self,
        capacity: int,
        max_episode_steps: int,
        obs_dim: int,
        goal_dim: int,
        action_dim: int,
        compute_reward: Callable[..., Any],
        n_sampled_goal: int = 4,
        gamma: float = 0.95,
    ) -> None:
        if capacity < 1 or max_episode_steps < 1 or n_sampled_goal < 0:
            raise ValueError(
                f"need capacity >= 1, max_episode_steps >= 1, n_sampled_goal >= 0; got "
                f"{capacity}, {max_episode_steps}, {n_sampled_goal}"
            )
        E, T = capacity, max_episode_steps
        self.capacity, self.T = E, T
        self.compute_reward, self.gamma = compute_reward, gamma
        # the fraction of relabelled transitions, $1 - 1/(k+1)$
        self.her_ratio = 1.0 - 1.0 / (n_sampled_goal + 1)
        self.obs = np.zeros((E, T + 1, obs_dim), np.float32)  # s_0 .. s_T
        self.ag = np.zeros((E, T + 1, goal_dim), np.float32)  # ag_0 .. ag_T
        self.dg = np.zeros((E, T, goal_dim), np.float32)
        self.actions = np.zeros((E, T, action_dim), np.float32)
        self.terminated = np.zeros((E, T), bool)
        self.lengths = np.zeros(E, np.int64)
        self.episodes = 0  # complete episodes stored so far (all time)
        self._t = 0  # steps of the episode being written

    def __len__(self) -> int:
        """Transitions of complete episodes stored."""
        return int(self.lengths[: min(self.episodes, self.capacity)].sum())

    def add(
        self,
        obs: dict[str, np.ndarray],
        action: np.ndarray,
        reward: float,
        next_obs: dict[str, np.ndarray],
        done: bool,
        terminated: bool = False,
    ) -> None:
        """Store one step of the current episode; ``done`` closes it (it becomes sampleable)."""
        e, t = self.episodes % self.capacity, self._t
        if t >= self.T:
            raise ValueError(f"an episode is longer than max_episode_steps={self.T}")
        self.obs[e, t], self.ag[e, t] = obs["observation"], obs["achieved_goal"]
        self.obs[e, t + 1], self.ag[e, t + 1] = next_obs["observation"], next_obs["achieved_goal"]
        self.dg[e, t] = obs["desired_goal"]
        self.actions[e, t] = action
        self.terminated[e, t] = terminated
        self._t += 1
        if done:
            self.lengths[e] = self._t
            self.episodes += 1
            self._t = 0

    def sample(self, batch_size: int, rng: np.random.Generator) -> ReplayBatch:
        """``batch_size`` transitions, a fraction ``her_ratio`` of them with a future goal.

        Observations are ``[observation, goal]``; rewards are recomputed for every
        transition from its next achieved goal.
        """
        stored = min(self.episodes, self.capacity)
        if stored == 0:
            raise ValueError("sample() before any complete episode was stored")
        e = rng.integers(stored, size=batch_size)
        lengths = self.lengths[e]
        t = (rng.random(batch_size) * lengths).astype(np.int64)  # uniform in [0, len)
        goals = self.dg[e, t].copy()  # (B, g)
        # BEGIN SOLUTION
        her = rng.random(batch_size) < self.her_ratio
        # future step f in {t, ..., len - 1}; the goal it *reached* is ag_{f+1}
        f = t + (rng.random(batch_size) * (lengths - t)).astype(np.int64)
        goals[her] = self.ag[e[her], f[her] + 1]
        next_ag = self.ag[e, t + 1]  # the achieved goal this transition produced
        rewards = np.asarray(self.compute_reward(next_ag, goals, None), np.float32)
        # END SOLUTION
        return ReplayBatch(
            observations=np.concatenate([self.obs[e, t], goals], -1),
            actions=self.actions[e, t],
            rewards=rewards.reshape(batch_size),
            next_observations=np.concatenate([self.obs[e, t + 1], goals], -1),
            terminated=self.terminated[e, t],
            truncated=np.zeros(batch_size, bool),
            discounts=np.full(batch_size, self.gamma, np.float32),
        )

    def state_dict(self) -> dict[str, np.ndarray]:
        names = ("obs", "ag", "dg", "actions", "terminated", "lengths")
        return {
            **{n: getattr(self, n).copy() for n in names},
            "counters": np.array([self.episodes, self._t]),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for n in ("obs", "ag", "dg", "actions", "terminated", "lengths"):
            getattr(self, n)[...] = np.asarray(state[n])
        self.episodes, self._t = (int(x) for x in np.asarray(state["counters"]))


@dataclass
class HERConfig:
    """SAC+HER's hyperparameters (defaults: rl-baselines3-zoo, FetchReach)."""

    n_sampled_goal: int = 4
    """k of the "future" strategy (0: no HER, plain SAC on the sparse reward)."""
    gamma: float = 0.95
    """Discount factor."""
    learning_rate: float = 1e-3
    """Adam's learning rate (actor, critics, temperature)."""
    batch_size: int = 256
    """Transitions per update."""
    learning_starts: int = 1_000
    """Steps of uniformly random actions before the first update."""
    train_every: int = 1
    """Environment steps per SAC update (1: one update per step, the zoo's setting)."""
    buffer_episodes: int = 20_000
    """Episodes kept in the replay buffer."""
    hidden_sizes: tuple[int, ...] = (64, 64)
    """Hidden widths of the actor and each critic."""
    seed: int = 0
    """Seeds the networks, the episodes' goals, exploration and sampling."""


class HER:
    """SAC with a hindsight replay buffer on a goal env (``env_fn()`` returns it)."""

    name = "SAC+HER"

    def __init__(self, env_fn: Callable[[], Any], config: HERConfig | None = None) -> None:
        from groundup.rl.actor_critic.sac import SAC, SACConfig
        from groundup.rl.envs.point_reach import GoalObservation

        self.config = cfg = config or HERConfig()
        self.env_fn = env_fn
        self.env = env_fn()
        spaces = self.env.observation_space
        for key in ("observation", "achieved_goal", "desired_goal"):
            if key not in getattr(spaces, "spaces", {}):
                raise ValueError(
                    f"HER needs a goal env (Dict observation with {key!r}), got {spaces}"
                )
        T = self.env.spec.max_episode_steps if self.env.spec else None
        self.T = int(T or getattr(self.env.unwrapped, "max_steps", 50))
        self.sac = SAC(
            SACConfig(
                total_timesteps=1,
                buffer_size=1,
                learning_starts=cfg.learning_starts,
                batch_size=cfg.batch_size,
                gamma=cfg.gamma,
                policy_lr=cfg.learning_rate,
                q_lr=cfg.learning_rate,
                hidden_sizes=tuple(cfg.hidden_sizes),
                seed=cfg.seed,
            ),
            env_fn=lambda: GoalObservation(env_fn()),
        )
        self.sac.buffer = self.buffer = HerReplayBuffer(
            cfg.buffer_episodes,
            self.T,
            spaces["observation"].shape[0],
            spaces["desired_goal"].shape[0],
            self.env.action_space.shape[0],
            self.env.unwrapped.compute_reward,
            cfg.n_sampled_goal,
            cfg.gamma,
        )
        self.rng = np.random.default_rng([cfg.seed, 2])  # episode seeds and random actions
        self.global_step = 0
        self._stats: dict[str, float] = {}

    @staticmethod
    def _flat(obs: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([obs["observation"], obs["desired_goal"]]).astype(np.float32)

    def act(self, obs: dict[str, np.ndarray], deterministic: bool = True) -> np.ndarray:
        return self.sac.act(self._flat(obs), deterministic)

    def run_episode(self) -> float:
        """One training episode (acting, storing, one SAC update per step); 1.0 on success."""
        obs, info = self.env.reset(seed=int(self.rng.integers(2**31)))
        low, high = self.env.action_space.low, self.env.action_space.high
        done = False
        while not done:
            if self.global_step < self.config.learning_starts:
                a = self.rng.uniform(low, high).astype(np.float32)
            else:
                a = self.act(obs, deterministic=False)
            next_obs, r, term, trunc, info = self.env.step(a)
            done = bool(term or trunc)
            self.buffer.add(obs, a, r, next_obs, done, terminated=bool(term))
            obs = next_obs
            self.global_step += 1
            if (
                self.global_step >= self.config.learning_starts
                and self.buffer.episodes > 0
                and self.global_step % self.config.train_every == 0
            ):
                self._stats = self.sac.update()
        return float(info.get("is_success", 0.0))

    def learn(self, total_timesteps: int) -> list[float]:
        """Whole episodes until ``total_timesteps`` steps; each episode's success."""
        out = []
        while self.global_step < total_timesteps:
            out.append(self.run_episode())
        return out

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        """Success rate of the deterministic policy (final step) and its mean return."""
        env = self.env_fn()
        successes, returns = [], []
        for k in range(num_episodes):
            obs, info = env.reset(seed=seed + k)
            total, done = 0.0, False
            while not done:
                obs, r, term, trunc, info = env.step(self.act(obs))
                total += float(r)
                done = term or trunc
            successes.append(float(info.get("is_success", 0.0)))
            returns.append(total)
        return float(np.mean(successes)), float(np.mean(returns))

    def latest_stats(self) -> dict[str, float]:
        return dict(self._stats)

    def state_dict(self) -> dict[str, Any]:
        """Networks, optimisers, buffer, generators and counters (episodes end at chunk ends)."""
        return {
            "modules": {k: m.state_dict() for k, m in self.sac._modules().items()},
            "buffer": self.buffer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "sac_rng": self.sac.rng.bit_generator.state,
            "global_step": self.global_step,
            "stats": dict(self._stats),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        from groundup.rl.core.off_policy import _plain

        for k, m in self.sac._modules().items():
            m.load_state_dict(state["modules"][k])
        self.buffer.load_state_dict(state["buffer"])
        self.rng.bit_generator.state = _plain(state["rng"])
        self.sac.rng.bit_generator.state = _plain(state["sac_rng"])
        self.global_step = int(state["global_step"])
        self._stats = {k: float(v) for k, v in dict(state["stats"]).items()}
