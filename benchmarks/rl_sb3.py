"""groundup's RL agents side by side with Stable-Baselines3: wall time and final return.

Three whole training runs, each on the same environment with the same hyperparameters
(rl-baselines3-zoo's) and the same step budget in both libraries:

* PPO on CartPole-v1, 100,000 steps (8 envs x 32 steps, 20 epochs of one 256-sample
  minibatch, gamma 0.98, lambda 0.8, lr and clip range annealed linearly from 1e-3 and
  0.2, value loss clipped with the same range, [64, 64] tanh networks);
* DQN on CartPole-v1, 50,000 steps (lr 2.3e-3, batch 64, 128 gradient steps every 256
  env steps, target copied every 10, epsilon 1 -> 0.04 over 16%, [256, 256]);
* SAC on Pendulum-v1, 20,000 steps (lr 1e-3, batch 256, tau 0.005, gamma 0.99, learned
  temperature with target entropy -1, one update per step from step 100, [256, 256]).

Per round the two libraries train one after the other (alternating which goes first);
each run is timed (wall clock and CPU time of the process) and then evaluated: the mean
return of the deterministic policy over 10 episodes seeded 10,000, 10,001, ... (the
same episodes for both). This is not in ``python -m benchmarks``' registry (a whole
training run is not a per-call timing); run it as::

    python -m benchmarks.rl_sb3 [--only ppo,dqn,sac] [--rounds N] [--scale S] [--write]

``--scale`` multiplies every step budget (and the warm-up steps) — for a smoke run;
the figures in ``docs/benchmarks.md`` are at ``--scale 1``. ``--write`` replaces the
``<!-- bench:rl-sb3 -->`` section there.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

EVAL_EPISODES = 10
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass
class Task:
    """One side-by-side: how to train each library's agent for ``steps`` and its policy."""

    name: str
    env_id: str
    steps: int
    groundup: Callable[[int, int], Any]
    """``(steps, seed) -> act(obs)`` after training groundup's agent."""
    sb3: Callable[[int, int], Any]
    """``(steps, seed) -> act(obs)`` after training Stable-Baselines3's."""


@dataclass
class Outcome:
    """The rounds of one task: seconds (wall, CPU) and final returns of each library."""

    task: str
    steps: int
    wall: dict[str, list[float]] = field(default_factory=lambda: {"groundup": [], "SB3": []})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {"groundup": [], "SB3": []})
    returns: dict[str, list[float]] = field(default_factory=lambda: {"groundup": [], "SB3": []})

    def median(self, what: str, lib: str) -> float:
        return statistics.median(getattr(self, what)[lib])

    def ratio(self, what: str) -> float:
        """groundup / SB3 of the median seconds (below 1: groundup is faster)."""
        return self.median(what, "groundup") / self.median(what, "SB3")


# ---------------------------------------------------------------------------- PPO
def ppo_configs(steps: int, seed: int, scale: float = 1.0) -> tuple[Any, dict[str, Any]]:
    """groundup's PPOConfig and SB3's PPO keyword arguments, the same hyperparameters.

    (``scale`` is there for the other tasks' signature: PPO has no warm-up steps.)
    """
    import torch

    from groundup.rl.policy_gradient import PPOConfig

    ours = PPOConfig(env_id="CartPole-v1", total_timesteps=steps, seed=seed)
    theirs = dict(
        n_steps=ours.num_steps,
        batch_size=ours.num_envs * ours.num_steps // ours.num_minibatches,
        n_epochs=ours.update_epochs,
        gamma=ours.gamma,
        gae_lambda=ours.gae_lambda,
        learning_rate=lambda p: p * ours.learning_rate,  # p: progress remaining, 1 -> 0
        clip_range=lambda p: p * ours.clip_coef,
        clip_range_vf=lambda p: p * ours.clip_coef,
        ent_coef=ours.ent_coef,
        vf_coef=ours.vf_coef,
        max_grad_norm=ours.max_grad_norm,
        normalize_advantage=ours.norm_adv,
        policy_kwargs=dict(
            net_arch=dict(pi=list(ours.hidden_sizes), vf=list(ours.hidden_sizes)),
            activation_fn=torch.nn.Tanh,
            ortho_init=True,
        ),
        seed=seed,
        device="cpu",
    )
    return ours, theirs


# ---------------------------------------------------------------------------- DQN
def dqn_configs(steps: int, seed: int, scale: float = 1.0) -> tuple[Any, dict[str, Any]]:
    from groundup.rl.value_based import DQNConfig

    ours = DQNConfig(
        env_id="CartPole-v1",
        total_timesteps=steps,
        learning_starts=max(1, round(1000 * scale)),
        seed=seed,
    )
    theirs = dict(
        learning_rate=ours.learning_rate,
        buffer_size=ours.buffer_size,
        learning_starts=ours.learning_starts,
        batch_size=ours.batch_size,
        gamma=ours.gamma,
        train_freq=ours.train_freq,
        gradient_steps=ours.gradient_steps,
        target_update_interval=ours.target_update_interval,
        exploration_fraction=ours.exploration_fraction,
        exploration_initial_eps=ours.exploration_initial_eps,
        exploration_final_eps=ours.exploration_final_eps,
        max_grad_norm=ours.max_grad_norm,
        policy_kwargs=dict(net_arch=list(ours.hidden_sizes)),
        seed=seed,
        device="cpu",
    )
    return ours, theirs


# ---------------------------------------------------------------------------- SAC
def sac_configs(steps: int, seed: int, scale: float = 1.0) -> tuple[Any, dict[str, Any]]:
    from groundup.rl.actor_critic import SACConfig

    ours = SACConfig(
        env_id="Pendulum-v1",
        total_timesteps=steps,
        learning_starts=max(1, round(100 * scale)),
        seed=seed,
    )
    theirs = dict(
        learning_rate=ours.q_lr,
        buffer_size=ours.buffer_size,
        learning_starts=ours.learning_starts,
        batch_size=ours.batch_size,
        tau=ours.tau,
        gamma=ours.gamma,
        train_freq=1,
        gradient_steps=1,
        ent_coef=f"auto_{ours.alpha:g}",
        target_entropy="auto",  # -dim(A), as ours
        policy_kwargs=dict(net_arch=list(ours.hidden_sizes)),
        seed=seed,
        device="cpu",
    )
    return ours, theirs


# ---------------------------------------------------------------------------- training
def train_groundup(
    agent: str, configs: Callable[..., tuple[Any, dict[str, Any]]], steps: int, seed: int
) -> Callable[[np.ndarray], Any]:
    """Train groundup's ``agent`` (``"module:Class"``) on ``configs(steps, seed)[0]``; its policy."""
    import importlib

    module, name = agent.split(":")
    trained = getattr(importlib.import_module(module), name)(configs(steps, seed)[0])
    trained.learn()
    return trained.act


def train_sb3(
    algo: str,
    env_id: str,
    configs: Callable[..., tuple[Any, dict[str, Any]]],
    steps: int,
    seed: int,
) -> Callable[[np.ndarray], Any]:
    """Train Stable-Baselines3's ``algo`` on ``configs(steps, seed)[1]``; its deterministic policy.

    It steps as many env copies as groundup's config does (PPO: a seeded vector env).
    """
    import gymnasium as gym
    import stable_baselines3
    from stable_baselines3.common.env_util import make_vec_env

    ours, kwargs = configs(steps, seed)
    num_envs = getattr(ours, "num_envs", 1)
    env = make_vec_env(env_id, n_envs=num_envs, seed=seed) if num_envs > 1 else gym.make(env_id)
    model = getattr(stable_baselines3, algo)("MlpPolicy", env, **kwargs).learn(steps)
    if isinstance(model.action_space, gym.spaces.Discrete):
        return lambda obs: int(model.predict(obs, deterministic=True)[0])
    return lambda obs: model.predict(obs, deterministic=True)[0]


def tasks(scale: float = 1.0) -> dict[str, Task]:
    """The three side-by-sides, with their step budgets (and warm-up steps) times ``scale``."""
    from functools import partial

    def budget(n: int) -> int:
        return max(1, round(n * scale))

    def task(name: str, env_id: str, steps: int, agent: str, algo: str, configs: Any) -> Task:
        configs = partial(configs, scale=scale)
        return Task(
            name,
            env_id,
            budget(steps),
            partial(train_groundup, agent, configs),
            partial(train_sb3, algo, env_id, configs),
        )

    return {
        "ppo": task(
            "PPO CartPole-v1",
            "CartPole-v1",
            100_000,
            "groundup.rl.policy_gradient:PPO",
            "PPO",
            ppo_configs,
        ),
        "dqn": task(
            "DQN CartPole-v1",
            "CartPole-v1",
            50_000,
            "groundup.rl.value_based:DQN",
            "DQN",
            dqn_configs,
        ),
        "sac": task(
            "SAC Pendulum-v1",
            "Pendulum-v1",
            20_000,
            "groundup.rl.actor_critic:SAC",
            "SAC",
            sac_configs,
        ),
    }


def run(
    names: Sequence[str] = ("ppo", "dqn", "sac"),
    rounds: int = 1,
    scale: float = 1.0,
    seed: int = 0,
    eval_episodes: int = EVAL_EPISODES,
    log: Callable[[str], Any] = print,
) -> list[Outcome]:
    """Train both libraries ``rounds`` times per task (round r uses seed ``seed + r``)."""
    from groundup.rl.core.envs import evaluate_policy

    available = tasks(scale)
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; choose from {sorted(available)}")
    outcomes = []
    for name in names:
        task = available[name]
        out = Outcome(task.name, task.steps)
        for r in range(rounds):
            order = [("groundup", task.groundup), ("SB3", task.sb3)]
            for lib, train in order if r % 2 == 0 else order[::-1]:
                w0, c0 = time.perf_counter(), time.process_time()
                act = train(task.steps, seed + r)
                out.wall[lib].append(time.perf_counter() - w0)
                out.cpu[lib].append(time.process_time() - c0)
                ret = evaluate_policy(act, task.env_id, eval_episodes)[0]
                out.returns[lib].append(ret)
                log(
                    f"{task.name} round {r} {lib}: {out.wall[lib][-1]:.1f} s wall, "
                    f"{out.cpu[lib][-1]:.1f} s CPU, return {ret:.1f}"
                )
        outcomes.append(out)
    return outcomes


def markdown(outcomes: Sequence[Outcome]) -> str:
    rows = [
        "| run | steps | groundup wall | SB3 wall | ratio (wall) | groundup CPU | SB3 CPU "
        "| ratio (CPU) | groundup return | SB3 return |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        rets = {lib: ", ".join(f"{x:.1f}" for x in o.returns[lib]) for lib in ("groundup", "SB3")}
        rows.append(
            f"| {o.task} | {o.steps:,} | {o.median('wall', 'groundup'):.1f} s "
            f"| {o.median('wall', 'SB3'):.1f} s | {o.ratio('wall'):.2f}x "
            f"| {o.median('cpu', 'groundup'):.1f} s | {o.median('cpu', 'SB3'):.1f} s "
            f"| {o.ratio('cpu'):.2f}x | {rets['groundup']} | {rets['SB3']} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> list[Outcome]:
    from benchmarks.cli import limit_threads
    from benchmarks.environment import describe
    from benchmarks.runner import write_section

    p = argparse.ArgumentParser(prog="python -m benchmarks.rl_sb3", description=__doc__)
    p.add_argument("--only", default="ppo,dqn,sac", help="Comma-separated: ppo, dqn, sac.")
    p.add_argument("--rounds", type=int, default=1, help="Trainings per library and task.")
    p.add_argument("--scale", type=float, default=1.0, help="Multiplies every step budget.")
    p.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads.")
    p.add_argument("--write", action="store_true", help="Replace the section in docs.")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    command = "python -m benchmarks.rl_sb3 " + " ".join(argv if argv is not None else [])
    header = describe(command.strip())
    with limit_threads(args.threads):
        outcomes = run(names, rounds=args.rounds, scale=args.scale)
    table = markdown(outcomes)
    print(table)
    if args.write:
        write_section(DOCS, "rl-sb3", f"{header}\n\n{table}")
    return outcomes


if __name__ == "__main__":
    main()
