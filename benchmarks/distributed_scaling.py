"""Rollout throughput on K Ray workers against the same workers in one process.

``python -m benchmarks.distributed_scaling [--envs 8] [--steps 256] [--rounds 5] [--slow-env-ms 0]``

Collects ``steps`` steps of ``envs`` CartPole environments with a (64, 64) policy through
:class:`groundup.distributed.DistributedRollouts`: in process (``use_ray=False``, one
worker after another), then on 1 and 2 Ray actors. Each round times every layout once,
in turn (alternating, so load drifts hit all alike); the table reports the median
environment steps per second and the speed-up over the in-process path. Weights are
broadcast before every collect, as in training. ``--slow-env-ms`` adds a sleep to every
env step, standing in for a simulator that costs more than CartPole's microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import gymnasium as gym


class SlowEnv(gym.Wrapper):
    """CartPole whose every step also takes ``ms`` milliseconds (a costly simulator)."""

    def __init__(self, ms: float) -> None:
        super().__init__(gym.make("CartPole-v1"))
        self.ms = ms

    def step(self, action: Any) -> Any:
        time.sleep(self.ms / 1000)
        return self.env.step(action)


def _make_slow(ms: float) -> Any:
    return lambda: SlowEnv(ms)


def measure(
    envs: int = 8, steps: int = 256, rounds: int = 5, slow_env_ms: float = 0.0
) -> list[dict[str, Any]]:
    """Median env steps per second of each layout; see the module docstring."""
    import ray

    from groundup.distributed.rollouts import DistributedRollouts
    from groundup.rl.core.policies import policy_for
    from groundup.rl.core.value_functions import ValueFunction

    if not ray.is_initialized():
        # three actors stay alive (1 + 2 workers) but only one layout runs at a time, so
        # three logical CPUs: each actor asks for one, and the two cores do the work
        ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False)
    env = gym.make("CartPole-v1")
    policy = policy_for(env.observation_space, env.action_space, (64, 64), "bench")
    value = ValueFunction(4, (64, 64))
    source = _make_slow(slow_env_ms) if slow_env_ms else "CartPole-v1"
    layouts = {
        "in process, 1 worker": DistributedRollouts(policy, value, source, envs, 1, use_ray=False),
        "Ray, 1 worker": DistributedRollouts(policy, value, source, envs, 1, use_ray=True),
        "Ray, 2 workers": DistributedRollouts(policy, value, source, envs, 2, use_ray=True),
    }
    times: dict[str, list[float]] = {k: [] for k in layouts}
    for pool in layouts.values():  # warm-up: imports, first forward
        pool.collect(8)
    for _ in range(rounds):
        for name, pool in layouts.items():
            t0 = time.perf_counter()
            pool.collect(steps)
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["in process, 1 worker"])
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append(
            {
                "layout": name,
                "steps_per_s": envs * steps / med,
                "speedup": base / med,
                "spread": (min(ts), max(ts)),
            }
        )
    for pool in layouts.values():
        pool.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slow-env-ms", type=float, default=0.0)
    a = parser.parse_args()
    rows = measure(a.envs, a.steps, a.rounds, a.slow_env_ms)
    print(f"| layout | env steps/s (median of {a.rounds}) | speed-up |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r['layout']} | {r['steps_per_s']:,.0f} | {r['speedup']:.2f}x |")


if __name__ == "__main__":
    main()
