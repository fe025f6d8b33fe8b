"""What the RL agent milestones share: train an agent in chunks of environment steps,
evaluate it after each chunk, checkpoint it (agent, replay buffer, environment) and draw
its learning curve. Not a milestone itself (its name starts with ``_``).

Every chunk ends with an evaluation — the mean return of the deterministic policy over
``eval_episodes`` episodes seeded 10,000, 10,001, ... — logged against the environment
steps so far; ``learning_curve.png`` plots it. The agent's whole ``state_dict`` is kept
in ``loop.state``, so ``--resume`` continues bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.milestones.base import RunContext


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
