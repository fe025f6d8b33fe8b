"""Milestone ``frozenlake-tabular``: dynamic programming and Q-learning on Gymnasium's toy text (Phase 10, week 21).

Value iteration solves FrozenLake-v1 (4×4, slippery) from its published model
``env.unwrapped.P``; its greedy policy reaches the goal with probability 0.74 within
Gymnasium's 100-step limit — the optimum, computed exactly here, not sampled. Tabular
Q-learning must find a policy as good from experience alone: 20,000 episodes with
ε decaying from 1 to 0.05, then the greedy policy's success probability is computed
the same way. CliffWalking-v1 checks the other end: the optimal return is −13.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    episodes: Annotated[int, Min(1)] = 20_000
    """Q-learning episodes on slippery FrozenLake."""
    chunks: Annotated[int, Min(1)] = 10
    """Pieces of training; epsilon is constant within one and the run checkpoints after each."""
    alpha: Annotated[float, Min(0, exclusive=True)] = 0.05
    """Q-learning step size."""
    gamma: Annotated[float, Min(0)] = 0.99
    """Discount factor."""
    final_epsilon: Annotated[float, Min(0)] = 0.05
    """Exploration after the decay (over the first half of the chunks, from 1)."""

    def quick(self) -> Config:
        return replace(self, episodes=200, chunks=2)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    import gymnasium as gym

    from groundup.rl.tabular import (
        evaluate_greedy,
        finite_horizon_return,
        q_learning,
        transition_arrays,
        value_iteration,
    )

    lake = gym.make("FrozenLake-v1", is_slippery=True)
    P, R, D = transition_arrays(lake)
    V, vi_policy = value_iteration(P, R, D, gamma=cfg.gamma)
    vi_success = finite_horizon_return(P, R, D, vi_policy, start=0, horizon=100)

    seed_base = int(ctx.rng(1).integers(2**31))
    loop = ctx.loop(cfg.chunks, unit="chunk", state={"Q": np.zeros((16, 4))})
    per_chunk = max(1, cfg.episodes // cfg.chunks)
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for chunk in loop:
            # epsilon falls linearly from 1 over the first half of training, then stays
            frac = min(1.0, chunk / max(1, cfg.chunks / 2))
            eps = 1.0 + frac * (cfg.final_epsilon - 1.0)
            Q = np.array(loop.state["Q"], dtype=float)
            q_learning(
                lake,
                per_chunk,
                alpha=cfg.alpha,
                gamma=cfg.gamma,
                epsilon=eps,
                seed=seed_base + chunk,
                Q=Q,
            )
            loop.state["Q"] = Q
            success = finite_horizon_return(P, R, D, Q.argmax(-1), start=0, horizon=100)
            ctx.log(
                chunk + 1, episodes=(chunk + 1) * per_chunk, epsilon=eps, q_learning_success=success
            )
            bar.advance(1, success=success)
    Q = np.array(loop.state["Q"], dtype=float)
    q_success = finite_horizon_return(P, R, D, Q.argmax(-1), start=0, horizon=100)

    cliff = gym.make("CliffWalking-v1")
    Pc, Rc, Dc = transition_arrays(cliff)
    _, cliff_policy = value_iteration(Pc, Rc, Dc, gamma=1.0)
    cliff_return = evaluate_greedy(cliff, np.eye(4)[cliff_policy], num_episodes=1)

    _figure(ctx, V, vi_policy, Q)
    return {
        "value_iteration_success": vi_success,
        "q_learning_success": q_success,
        "cliff_walking_return": cliff_return,
        "episodes": cfg.episodes,
    }


def _figure(ctx: RunContext, V: np.ndarray, vi_policy: np.ndarray, Q: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arrows = np.array(["←", "↓", "→", "↑"])
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    for ax, values, policy, title in (
        (axes[0], V, vi_policy, "value iteration: $V^*$ and $\\pi^*$"),
        (axes[1], Q.max(-1), Q.argmax(-1), "Q-learning: $\\max_a Q$ and greedy $\\pi$"),
    ):
        ax.imshow(values.reshape(4, 4), cmap="viridis")
        for s in range(16):
            ax.text(
                s % 4,
                s // 4,
                f"{arrows[policy[s]]}\n{values[s]:.2f}",
                ha="center",
                va="center",
                color="white",
                fontsize=9,
            )
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    ctx.save_figure(fig, "frozenlake.png")


MILESTONE = Milestone(
    name="frozenlake-tabular",
    title="Value iteration and Q-learning on FrozenLake 4x4 (slippery); CliffWalking's optimum",
    phase="Phase 10 (implementation curriculum), week 21",
    target="value iteration success >= 0.73 (optimum 0.74); Q-learning >= 0.70; CliffWalking -13",
    expected_time="~1 min (20,000 episodes)",
    train=train,
    config=Config,
    check=lambda s: (
        s["value_iteration_success"] >= 0.73
        and s["q_learning_success"] >= 0.70
        and s["cliff_walking_return"] == -13
    ),
)
