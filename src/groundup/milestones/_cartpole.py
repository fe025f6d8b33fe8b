"""What the CartPole milestones share: chunked training that checkpoints and resumes, evaluation.

An agent trains in chunks of environment steps (episodes for REINFORCE). After each
chunk the deterministic policy is evaluated over ``eval_episodes`` seeded episodes, a
row (``train_return``, ``eval_return`` against environment steps) goes to
``metrics.jsonl`` — ``curves.png`` is then the learning curve — and the run
checkpoints: every network, the optimisers, the random generators, the step counters
and (for DQN) the replay buffer. Each chunk starts from freshly reset environments
seeded from ``ctx.rng(2)``, so a resumed run is the uninterrupted run bit for bit; an
episode cut by a chunk's end is bootstrapped like a time-limit truncation.

The policy kept at the end is the best one evaluated (Stable-Baselines3's
``EvalCallback`` keeps the same ``best_model``); it is then measured again on
``final_episodes`` episodes with seeds no evaluation used, and that is ``eval_return``.
``last_return`` is the last policy's on the same episodes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.milestones.base import RunContext
from groundup.nn_core.module import Module

EVAL_SEED = 10_000
FINAL_SEED = 20_000


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
    """Train ``chunks`` chunks with checkpoints; the summary (see the module docstring).

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
