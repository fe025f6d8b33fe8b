"""What the RL milestones share: chunked training that checkpoints, resumes and evaluates.

An agent trains in chunks of environment steps (episodes for REINFORCE); after each
chunk its deterministic policy is evaluated over ``eval_episodes`` episodes seeded
10,000, 10,001, ..., a row goes to ``metrics.jsonl`` against the environment steps, and
the run checkpoints. Two trainers (not milestones: this module's name starts with ``_``):

* :func:`train_in_chunks` — for an agent that is its own checkpoint (``state_dict``:
  networks, optimisers, replay buffer, random generators, the environment's state as
  arrays): the Pendulum milestones. The last policy is the result, and
  ``learning_curve.png`` plots the evaluations; ``--resume`` continues bit for bit.
* :func:`train_keeping_best` — for the CartPole milestones, whose networks, optimisers
  and step counters go to the checkpoint (and DQN's replay buffer). Each chunk starts
  from freshly reset environments seeded from ``ctx.rng(2)``, so a resumed run is the
  uninterrupted run bit for bit; an episode cut by a chunk's end is bootstrapped like a
  time-limit truncation. The policy kept at the end is the best one evaluated
  (Stable-Baselines3's ``EvalCallback`` keeps the same ``best_model``); it is then
  measured again on ``final_episodes`` episodes with seeds no evaluation used, and that
  is ``eval_return``; ``last_return`` is the last policy's on the same episodes.
  :func:`train_on_policy` drives it for A2C, PPO and TRPO.

The Pendulum off-policy milestones (DDPG, TD3, SAC) share :class:`PendulumConfig`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Min, RunConfig, RunContext
from groundup.nn_core.module import Module

EVAL_SEED = 10_000
FINAL_SEED = 20_000
PENDULUM_TARGET = -200.0


class Networks(Module):
    """Every network of an agent under one module, so the loop checkpoints them together."""

    def __init__(self, **nets: Module) -> None:
        super().__init__()
        for name, net in nets.items():
            setattr(self, name, net)


class Optimizers:
    """Several optimisers behind one ``state_dict``/``load_state_dict`` (REINFORCE has two)."""

    def __init__(self, *optimizers: Any) -> None:
        self.optimizers = optimizers

    def state_dict(self) -> dict[str, Any]:
        return {str(k): o.state_dict() for k, o in enumerate(self.optimizers)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for k, o in enumerate(self.optimizers):
            o.load_state_dict(state[str(k)])


def train_in_chunks(
    ctx: RunContext,
    agent: Any,
    total_steps: int,
    chunk_steps: int,
    eval_episodes: int,
    target: float,
    advance: Callable[[Any, int], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Train ``agent`` to ``total_steps`` environment steps, ``chunk_steps`` at a time.

    ``advance(agent, until)`` trains up to ``until`` steps and returns the latest training
    statistics; by default ``agent.learn(until)``'s last row. Returns the summary: the
    final evaluation (mean and std), the steps, and ``steps_to_target`` — the first
    evaluated step whose mean return reached ``target`` (``None`` if none did).
    """
    ctx.x_label = "environment steps"
    chunks = math.ceil(total_steps / chunk_steps)
    loop = ctx.loop(
        chunks,
        unit="chunk",
        state={"agent": agent.state_dict(), "steps_to_target": -1, "curve": np.zeros((0, 2))},
    )
    if ctx.resumed:
        agent.load_state_dict(loop.state["agent"])
    advance = advance or _learn
    mean = std = float("nan")
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for chunk in loop:
            until = min(total_steps, (chunk + 1) * chunk_steps)
            stats = advance(agent, until)
            mean, std = agent.evaluate(num_episodes=eval_episodes)
            curve = np.concatenate(
                [np.asarray(loop.state["curve"]).reshape(-1, 2), [[until, mean]]]
            )
            loop.state["curve"] = curve
            if mean >= target and int(loop.state["steps_to_target"]) < 0:
                loop.state["steps_to_target"] = until
            ctx.log(until, eval_return=mean, eval_return_std=std, **stats)
            bar.advance(1, eval_return=mean)
            loop.state["agent"] = agent.state_dict()
    curve = np.asarray(loop.state["curve"]).reshape(-1, 2)
    _learning_curve(ctx, curve, target)
    reached = int(loop.state["steps_to_target"])
    return {
        "eval_return": float(curve[-1, 1]) if len(curve) else mean,
        "eval_return_std": std,
        "eval_episodes": eval_episodes,
        "env_steps": total_steps,
        "steps_to_target": reached if reached >= 0 else None,
    }


def train_keeping_best(
    ctx: RunContext,
    *,
    agent: Any,
    nets: Networks,
    optimizer: Any,
    chunks: int,
    advance: Callable[[int], tuple[int, list[float]]],
    reset_envs: Callable[[int], None] | None,
    counters: tuple[str, ...],
    eval_episodes: int,
    final_episodes: int,
    target: float,
    buffer: Any = None,
) -> dict[str, Any]:
    """Train ``chunks`` chunks with checkpoints, keep the best policy; the summary.

    ``advance(chunk)`` trains the agent through chunk ``chunk`` (0-based) and returns the
    environment steps done so far and the returns of the episodes that ended;
    ``counters`` are the agent's attributes that a resume restores (step counts).
    """
    ctx.x_label = "environment steps"
    agent.rng = ctx.rng(1)  # exploration and minibatch order, saved in checkpoints
    env_rng = ctx.rng(2)  # the environments' reset seeds, one per chunk
    state: dict[str, Any] = {
        "env_steps": 0,
        "best_return": -math.inf,
        "best_step": 0,
        "steps_to_target": -1,
        "best": {k: v.numpy().copy() for k, v in nets.state_dict().items()},
        **{c: getattr(agent, c) for c in counters},
    }
    if buffer is not None:
        state["buffer"] = buffer.state_dict()
    loop = ctx.loop(chunks, model=nets, optimizer=optimizer, unit="chunk", state=state)
    for c in counters:
        setattr(agent, c, int(loop.state[c]))
    if buffer is not None:
        buffer.load_state_dict(loop.state["buffer"])
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for chunk in loop:
            if reset_envs is not None:
                reset_envs(int(env_rng.integers(2**31)))
            steps, returns = advance(chunk)
            mean, _ = agent.evaluate(eval_episodes, seed=EVAL_SEED)
            s = loop.state
            s["env_steps"] = steps
            if mean > s["best_return"]:
                s["best_return"], s["best_step"] = mean, steps
                s["best"] = {k: v.numpy().copy() for k, v in nets.state_dict().items()}
            if mean >= target and s["steps_to_target"] < 0:
                s["steps_to_target"] = steps
            for c in counters:
                s[c] = getattr(agent, c)
            if buffer is not None:
                s["buffer"] = buffer.state_dict()
            train_return = float(np.mean(returns)) if returns else float("nan")
            ctx.log(steps, train_return=train_return, eval_return=mean)
            bar.advance(1, eval_return=mean)
    s = loop.state
    last_return, _ = agent.evaluate(final_episodes, seed=FINAL_SEED)
    nets.load_state_dict(s["best"])
    eval_return, eval_std = agent.evaluate(final_episodes, seed=FINAL_SEED)
    return {
        "eval_return": eval_return,
        "eval_return_std": eval_std,
        "last_return": last_return,
        "best_eval_during_training": float(s["best_return"]),
        "best_step": int(s["best_step"]),
        "steps_to_target": int(s["steps_to_target"]),
        "env_steps": int(s["env_steps"]),
    }


def agent_seed(ctx: RunContext) -> int:
    """The agent's own seed, drawn from the run's first generator (``ctx.rng(0)``)."""
    return int(ctx.rng(0).integers(2**31))


@dataclass(frozen=True)
class PendulumConfig(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(1)] = 20_000
    """Environment steps."""
    learning_starts: Annotated[int, Min(1)] = 10_000
    """Uniformly random steps before the first update."""
    batch_size: Annotated[int, Min(1)] = 256
    """Transitions per update."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's learning rate (every network; SAC's temperature too)."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (400, 300)
    """Hidden widths of the actor and of each critic."""
    eval_every: Annotated[int, Min(1)] = 1_000
    """Environment steps between evaluations (and checkpoints)."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""

    def quick(self) -> PendulumConfig:
        return replace(
            self,
            total_timesteps=600,
            learning_starts=200,
            batch_size=32,
            hidden=(32, 32),
            eval_every=200,
            eval_episodes=2,
        )

    def agent_kwargs(self) -> dict[str, Any]:
        """The agent configuration's fields this run sets (all but ``seed``)."""
        return {
            "total_timesteps": self.total_timesteps,
            "learning_starts": self.learning_starts,
            "batch_size": self.batch_size,
            "policy_lr": self.lr,
            "q_lr": self.lr,
            "hidden_sizes": tuple(self.hidden),
        }


@dataclass(frozen=True)
class DeterministicPendulumConfig(PendulumConfig):
    """What ``--set KEY=VALUE`` can change (rl-baselines3-zoo's DDPG/TD3 Pendulum setting)."""

    gamma: Annotated[float, Min(0)] = 0.98
    """Discount factor."""
    exploration_noise: Annotated[float, Min(0)] = 0.1
    """Std of the Gaussian exploration noise (fraction of half the action range)."""

    def agent_kwargs(self) -> dict[str, Any]:
        return {
            **super().agent_kwargs(),
            "gamma": self.gamma,
            "exploration_noise": self.exploration_noise,
        }


def train_pendulum(cfg: PendulumConfig, ctx: RunContext, agent: Any) -> dict[str, Any]:
    """:func:`train_in_chunks` with a Pendulum config: evaluations every ``eval_every`` steps."""
    return train_in_chunks(
        ctx, agent, cfg.total_timesteps, cfg.eval_every, cfg.eval_episodes, PENDULUM_TARGET
    )


def train_on_policy(
    ctx: RunContext,
    cfg: Any,
    agent: Any,
    *,
    chunk_steps: int,
    step: Callable[[], list[float]],
    optimizer: Any,
    target: float,
    counters: tuple[str, ...] = ("global_step",),
) -> dict[str, Any]:
    """:func:`train_keeping_best` for A2C, PPO and TRPO (``agent.policy``, ``agent.value``).

    ``step()`` trains on one rollout and returns the returns of the episodes that ended
    in it; chunks are ``chunk_steps`` environment steps up to ``cfg.total_timesteps``.
    """

    def advance(chunk: int) -> tuple[int, list[float]]:
        returns: list[float] = []
        end = min(cfg.total_timesteps, (chunk + 1) * chunk_steps)
        while agent.global_step < end:
            returns += step()
        return agent.global_step, returns

    def reset_envs(seed: int) -> None:
        agent.collector.obs, _ = agent.envs.reset(seed=seed)
        agent.collector.episode_return[:] = 0.0

    return train_keeping_best(
        ctx,
        agent=agent,
        nets=Networks(policy=agent.policy, value=agent.value),
        optimizer=optimizer,
        chunks=-(-cfg.total_timesteps // chunk_steps),
        advance=advance,
        reset_envs=reset_envs,
        counters=counters,
        eval_episodes=cfg.eval_episodes,
        final_episodes=cfg.final_episodes,
        target=target,
    )


def load_agent(run_dir: Any) -> tuple[Any, dict[str, Any]]:
    """The trained agent of an RL milestone's run directory, and the run's ``config.json``.

    The milestone's module rebuilds the agent (``make_agent(cfg, seed)``) and the
    checkpoint's ``loop.state["agent"]`` restores it.
    """
    import importlib
    import json
    from pathlib import Path

    from groundup.milestones import get
    from groundup.milestones.config import from_dict
    from groundup.milestones.loop import load_checkpoint

    run_dir = Path(run_dir)
    if run_dir.is_file():
        run_dir = run_dir.parent
    if not (run_dir / "config.json").exists():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no config.json)")
    saved = json.loads((run_dir / "config.json").read_text())
    milestone = get(saved["milestone"])
    module = importlib.import_module(milestone.train.__module__)
    if not hasattr(module, "make_agent"):
        raise ValueError(
            f"{run_dir} is a run of {milestone.name}, which trains no RL agent to play"
        )
    agent = module.make_agent(from_dict(milestone.config, saved["config"]), saved["seed"])
    state = load_checkpoint(run_dir)["state"]
    agent.load_state_dict(state["agent"])
    return agent, saved


def _learn(agent: Any, until: int) -> dict[str, float]:
    agent.learn(until)
    return agent.latest_stats()


def _learning_curve(ctx: RunContext, curve: np.ndarray, target: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(curve[:, 0], curve[:, 1], marker="o", label="evaluation (deterministic policy)")
    ax.axhline(target, color="gray", linestyle="--", label=f"target {target:g}")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("mean return")
    ax.set_title(ctx.name)
    ax.legend()
    ctx.save_figure(fig, "learning_curve.png")
