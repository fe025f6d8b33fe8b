r"""Rollouts from many processes: Ray actors that hold environments and a copy of the policy.

An on-policy learner (PPO, A2C) alternates two phases: *collect* $T$ steps of $N$
environments with the current policy, then *update* on them. Collecting is embarrassingly
parallel across environments, so :class:`DistributedRollouts` splits the $N$ environments
over $K$ workers of $N/K$ each:

1. the learner's weights are put in Ray's object store once and every worker loads them
   (the *broadcast*: after each update, so all workers act with $\pi_{\theta_k}$);
2. each worker steps its environments $T$ times and computes its GAE advantages
   (environments are independent, so advantages need nothing from other workers);
3. the learner concatenates the $K$ rollouts along the environment axis: ``(T, N, ...)``.

Worker $k$ seeds its environments as one vector env of all $N$ would (``seed + k N/K + i``)
and samples its actions from its own generator, ``default_rng([seed, k])``, so the trajectories depend only on the seed and
the worker layout — not on which process ran what, or when. With ``use_ray=False`` the
same workers run one after another in this process: that is the reference the Ray path
is tested against (identical arrays), and the way to debug a worker.

>>> from groundup.rl.core.policies import policy_for
>>> from groundup.rl.core.value_functions import ValueFunction
>>> import gymnasium as gym
>>> env = gym.make("CartPole-v1")
>>> policy = policy_for(env.observation_space, env.action_space, (16,), "doc")
>>> value = ValueFunction(4, (16,))
>>> pool = DistributedRollouts(policy, value, "CartPole-v1", num_envs=4, num_workers=2,
...                            use_ray=False)
>>> pool.collect(8).obs.shape  # (T, N, obs_dim)
(8, 4, 4)
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.rl.core.envs import make_vector_env
from groundup.rl.core.policies import clip_to_space
from groundup.rl.core.rollout_buffer import Rollout, RolloutCollector

__all__ = ["DistributedRollouts", "RolloutWorker"]


class RolloutWorker:
    """``num_envs`` environments and a copy of the policy and value function, in one process.

    Parameters
    ----------
    env_source : str or callable
        A Gymnasium id or a function making the env.
    num_envs : int
        Environments of this worker.
    seed, index : int
        The run's seed and this worker's number: its environments are seeded
        ``seed + index * num_envs + i`` (the seeds one vector env of all the environments
        would give them), its actions drawn from ``default_rng([seed, index])``.
    policy, value : Module
        The learner's networks; the worker acts with its own copies (``set_weights``
        keeps them in sync).
    gamma, lam : float
        GAE's discount and $\\lambda$.
    """

    def __init__(
        self,
        env_source: str | Callable[[], Any],
        num_envs: int,
        seed: int,
        index: int,
        policy: Any,
        value: Any,
        gamma: float,
        lam: float,
    ) -> None:
        first = seed + index * num_envs  # env i of worker k: seed + k * num_envs + i
        self.envs = make_vector_env(env_source, num_envs, seed=first)
        # own, writable copies (Ray hands an actor's array arguments over read-only)
        self.policy, self.value = policy, value = copy.deepcopy(policy), copy.deepcopy(value)
        space = self.envs.single_action_space
        self.collector = RolloutCollector(
            self.envs,
            policy,
            value,
            gamma,
            lam,
            lambda a: clip_to_space(a, space),
            seed=first,
        )
        self.rng = np.random.default_rng([seed, index])
        self.seconds = 0.0

    def set_weights(self, weights: dict[str, Any]) -> None:
        """Load the learner's ``{"policy": state_dict, "value": state_dict}``."""
        self.policy.load_state_dict(weights["policy"])
        self.value.load_state_dict(weights["value"])

    def collect(self, num_steps: int) -> Rollout:
        """``num_steps`` steps of this worker's environments, with GAE."""
        t0 = time.perf_counter()
        rollout = self.collector.collect(num_steps, self.rng)
        self.seconds += time.perf_counter() - t0
        return rollout


def _concat(rollouts: list[Rollout]) -> Rollout:
    """The workers' rollouts side by side: environment axis 1 of every ``(T, N, ...)`` array."""
    arrays = {
        name: np.concatenate([getattr(r, name) for r in rollouts], axis=1)
        for name in ("obs", "actions", "log_probs", "values", "advantages", "returns")
    }
    episodes = [x for r in rollouts for x in r.episode_returns]
    return Rollout(**arrays, episode_returns=episodes)


class DistributedRollouts:
    """A drop-in for an agent's :class:`~groundup.rl.core.rollout_buffer.RolloutCollector`.

    ``collect(num_steps, rng=None)`` broadcasts the learner's current weights, lets every
    worker collect, and returns one ``(T, num_envs, ...)`` rollout. ``rng`` is accepted
    for the collector's signature and unused: each worker has its own generator.

    Parameters
    ----------
    policy, value : Module
        The learner's networks (read at every ``collect``; never changed here).
    env_source : str or callable
        What every worker makes its environments from.
    num_envs, num_workers : int
        Environments in all, split evenly over the workers.
    use_ray : bool
        Workers as Ray actors (one CPU each; ``ray.init`` is called if needed), or in this
        process, one after another.
    """

    def __init__(
        self,
        policy: Any,
        value: Any,
        env_source: str | Callable[[], Any],
        num_envs: int,
        num_workers: int,
        gamma: float = 0.99,
        lam: float = 0.95,
        seed: int = 0,
        use_ray: bool = True,
    ) -> None:
        if num_workers < 1 or num_envs % num_workers:
            raise ValueError(
                f"num_envs={num_envs} must split evenly over num_workers={num_workers} (>= 1)"
            )
        self.policy, self.value = policy, value
        self.num_envs, self.num_workers, self.use_ray = num_envs, num_workers, use_ray
        per = num_envs // num_workers
        args = [(env_source, per, seed, k, policy, value, gamma, lam) for k in range(num_workers)]
        if use_ray:
            import ray

            if not ray.is_initialized():
                ray.init(include_dashboard=False, log_to_driver=False)
            actor = ray.remote(num_cpus=1)(RolloutWorker)
            self._ray = ray
            self.workers = [actor.remote(*a) for a in args]
        else:
            self.workers = [RolloutWorker(*a) for a in args]

    @classmethod
    def for_agent(cls, agent: Any, num_workers: int, use_ray: bool = True) -> DistributedRollouts:
        """Workers for a PPO or A2C ``agent`` (its networks, env, seed, $\\gamma$, $\\lambda$):
        ``agent.collector = DistributedRollouts.for_agent(agent, 2)``."""
        cfg = agent.config
        return cls(
            agent.policy,
            agent.value,
            agent.env_source,
            cfg.num_envs,
            num_workers,
            gamma=cfg.gamma,
            lam=cfg.gae_lambda,
            seed=cfg.seed,
            use_ray=use_ray,
        )

    def weights(self) -> dict[str, Any]:
        return {"policy": self.policy.state_dict(), "value": self.value.state_dict()}

    def collect(self, num_steps: int, rng: Any = None) -> Rollout:
        """Broadcast the weights, collect ``num_steps`` from every worker, concatenate."""
        weights = self.weights()
        if not self.use_ray:
            for w in self.workers:
                w.set_weights(weights)
            return _concat([w.collect(num_steps) for w in self.workers])
        ray = self._ray
        ref = ray.put(weights)  # once in the object store, read by every worker
        ray.get([w.set_weights.remote(ref) for w in self.workers])
        return _concat(ray.get([w.collect.remote(num_steps) for w in self.workers]))

    def close(self) -> None:
        """Stop the Ray actors (nothing to do in process)."""
        if self.use_ray:
            for w in self.workers:
                self._ray.kill(w)
        self.workers = []
