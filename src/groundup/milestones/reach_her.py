"""Milestone ``reach-her``: hindsight experience replay on the PointReach2D goal env (Phase 10, week 27).

A point mass must reach a random goal in [−1, 1]² and be within 0.05 of it at the end of
a 50-step episode; the reward is −1 at every step away from the goal — sparse, so a
random policy (success ≈ 0.02) gives an ordinary learner nothing to learn from. Two SAC
agents with the same setting (rl-baselines3-zoo's SAC+HER FetchReach one: γ 0.95,
lr 1e-3, batch 256, 64-64, 1,000 random steps) train side by side, one with HER
("future", k = 4) and one without (k = 0), and both are evaluated (success rate of the
deterministic policy over ``eval_episodes`` fixed goals) every ``eval_every`` steps:
``learning_curve.png`` shows both curves. Target: HER's success ≥ 0.9 within 20,000
steps while the agent without HER stays near the random policy's.

FetchReach (``gymnasium-robotics`` on MuJoCo) is not run here: see docs/results.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

TARGET = 0.9


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(50)] = 20_000
    """Environment steps of each agent (whole 50-step episodes)."""
    eval_every: Annotated[int, Min(50)] = 2_000
    """Steps between evaluations and checkpoints (a multiple of 50)."""
    eval_episodes: Annotated[int, Min(1)] = 20
    """Deterministic episodes (fixed goals) per evaluation."""
    n_sampled_goal: Annotated[int, Min(1)] = 4
    """k of HER's future strategy (the other agent has none)."""
    train_every: Annotated[int, Min(1)] = 2
    """Environment steps per SAC update."""
    learning_starts: Annotated[int, Min(1)] = 1_000
    """Uniformly random steps before the first update."""
    batch_size: Annotated[int, Min(1)] = 256
    """Transitions per update."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (64, 64)
    """Hidden widths of the actor and each critic."""

    def quick(self) -> Config:
        return replace(
            self,
            total_timesteps=300,
            eval_every=100,
            eval_episodes=2,
            learning_starts=100,
            batch_size=16,
            hidden=(8,),
        )


def random_success(episodes: int = 100, seed: int = 10_000) -> float:
    """The success rate of uniformly random actions (the "without HER" reference)."""
    from groundup.rl.envs import PointReach2D

    env, wins = PointReach2D(), 0.0
    env.action_space.seed(seed)
    for k in range(episodes):
        env.reset(seed=seed + k)
        for _ in range(env.max_steps):
            *_, info = env.step(env.action_space.sample())
        wins += float(info["is_success"])
    return wins / episodes


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.rl.envs import PointReach2D
    from groundup.rl.multi_goal import HER, HERConfig

    if cfg.eval_every % 50:
        raise ValueError(
            f"eval_every must be a multiple of 50 (whole episodes), got {cfg.eval_every}"
        )
    seed = int(ctx.rng(0).integers(2**31))
    agents = {
        name: HER(
            PointReach2D,
            HERConfig(
                n_sampled_goal=k,
                learning_starts=cfg.learning_starts,
                batch_size=cfg.batch_size,
                train_every=cfg.train_every,
                hidden_sizes=tuple(cfg.hidden),
                buffer_episodes=cfg.total_timesteps // 50 + 1,
                seed=seed,
            ),
        )
        for name, k in (("her", cfg.n_sampled_goal), ("no_her", 0))
    }
    ctx.x_label = "environment steps"
    chunks = -(-cfg.total_timesteps // cfg.eval_every)
    loop = ctx.loop(
        chunks,
        unit="chunk",
        state={
            "agents": {n: a.state_dict() for n, a in agents.items()},
            "curve": np.zeros((0, 3)),
            "steps_to_target": -1,
        },
    )
    if ctx.resumed:
        for n, a in agents.items():
            a.load_state_dict(loop.state["agents"][n])
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for chunk in loop:
            until = min(cfg.total_timesteps, (chunk + 1) * cfg.eval_every)
            row = []
            for a in agents.values():
                a.learn(until)
                row.append(a.evaluate(cfg.eval_episodes)[0])
            stats = agents["her"].latest_stats()
            ctx.log(until, her_success=row[0], no_her_success=row[1], **stats)
            curve = np.asarray(loop.state["curve"]).reshape(-1, 3)
            loop.state["curve"] = np.concatenate([curve, [[until, *row]]])
            if row[0] >= TARGET and int(loop.state["steps_to_target"]) < 0:
                loop.state["steps_to_target"] = until
            loop.state["agents"] = {n: a.state_dict() for n, a in agents.items()}
            bar.advance(1, her=row[0], no_her=row[1])
    curve = np.asarray(loop.state["curve"]).reshape(-1, 3)
    rand = random_success()
    _plot(ctx, curve, rand)
    reached = int(loop.state["steps_to_target"])
    return {
        "her_success": float(curve[-1, 1]),
        "no_her_success": float(curve[-1, 2]),
        "random_success": rand,
        "steps_to_target": reached if reached >= 0 else None,
        "eval_episodes": cfg.eval_episodes,
        "env_steps": cfg.total_timesteps,
    }


def _plot(ctx: RunContext, curve: np.ndarray, rand: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(curve[:, 0], curve[:, 1], marker="o", label="SAC + HER (future, k = 4)")
    ax.plot(curve[:, 0], curve[:, 2], marker="s", label="SAC without HER")
    ax.axhline(rand, color="C2", linestyle=":", label=f"random policy ({rand:.2f})")
    ax.axhline(TARGET, color="gray", linestyle="--", label=f"target {TARGET:g}")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("success rate (deterministic)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(ctx.name)
    ax.legend()
    ctx.save_figure(fig, "learning_curve.png")


MILESTONE = Milestone(
    name="reach-her",
    title="SAC with hindsight relabelling reaches goals in PointReach2D; without it, it does not",
    phase="Phase 10 (implementation curriculum), week 27",
    target="HER success >= 0.9 within 20k steps; without HER <= random + 0.1",
    expected_time="~10-30 min (two agents, 20k steps each)",
    train=train,
    config=Config,
    check=lambda s: (
        s["her_success"] >= TARGET
        and s["steps_to_target"] is not None
        and s["steps_to_target"] <= 20_000
        and s["no_her_success"] <= s["random_success"] + 0.1
    ),
)
