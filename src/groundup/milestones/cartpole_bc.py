"""Milestone ``cartpole-bc``: behaviour cloning of a PPO expert on CartPole-v1 (Phase 10, week 26).

First the expert: PPO with rl-baselines3-zoo's CartPole setting, trained by the project
and evaluated every ``expert_check`` steps; it stops as soon as its deterministic policy
scores 500 on 10 episodes (at most ``expert_steps`` steps). Its deterministic rollouts
are saved as a transition dataset (``demonstrations.npz``, the format of
:mod:`groundup.rl.core.datasets`). Then, for each number of demonstrations in
``demos``, a fresh policy is fitted by behaviour cloning (cross-entropy) on the first
that many expert episodes only, and evaluated on ``eval_episodes`` fresh-seed episodes.
``demonstrations.png`` plots return against the number of demonstrations. Target: the
clone from at most 20 episodes reaches 475.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

TARGET = 475.0
EVAL_SEED = 20_000
DEMO_SEED = 30_000


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    expert_steps: Annotated[int, Min(256)] = 100_000
    """Most environment steps the PPO expert trains for."""
    expert_check: Annotated[int, Min(256)] = 4_096
    """Steps between the expert's evaluations (it stops at 500)."""
    demos: Annotated[tuple[int, ...], Min(1)] = (1, 2, 5, 10, 20)
    """Numbers of expert episodes to clone from (the last one is the milestone's)."""
    epochs: Annotated[int, Min(1)] = 50
    """Passes of behaviour cloning over the demonstrations."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (64, 64)
    """Hidden widths of the cloned policy."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's learning rate."""
    batch_size: Annotated[int, Min(1)] = 64
    """Transitions per gradient step."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation (expert and clones)."""

    def quick(self) -> Config:
        return replace(
            self, expert_steps=512, expert_check=256, demos=(1, 2), epochs=2, eval_episodes=2
        )


def train_expert(cfg: Config, seed: int, ctx: RunContext) -> tuple[Any, int]:
    """PPO on CartPole until its deterministic policy scores 500 (or ``expert_steps``)."""
    from groundup.rl.policy_gradient.ppo import PPO, PPOConfig

    expert = PPO(PPOConfig(total_timesteps=cfg.expert_steps, seed=seed))
    while expert.global_step < cfg.expert_steps:
        expert.learn(min(cfg.expert_steps, expert.global_step + cfg.expert_check))
        mean, _ = expert.evaluate(cfg.eval_episodes)
        ctx.log(expert.global_step, expert_eval_return=mean)
        if mean >= 500:
            break
    return expert, expert.global_step


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.rl.core.datasets import TransitionDataset, collect_transitions
    from groundup.rl.core.envs import evaluate_policy
    from groundup.rl.imitation import BCConfig, BehaviorCloning

    demos = sorted(set(cfg.demos))
    seeds = ctx.rng(0).integers(2**31, size=2)
    loop = ctx.loop(
        1 + len(demos),
        unit="stage",
        state={"returns": np.full(len(demos), np.nan), "expert_steps": 0, "expert_return": 0.0},
    )
    path = ctx.out_dir / "demonstrations.npz"
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for stage in loop:
            if stage == 0:
                expert, steps = train_expert(cfg, int(seeds[0]), ctx)
                data = collect_transitions(
                    expert.act, "CartPole-v1", num_episodes=max(demos), seed=DEMO_SEED
                )
                data.save(path)
                loop.state["expert_steps"] = steps
                loop.state["expert_return"] = float(data.episode_returns.mean())
                bar.advance(1, expert=loop.state["expert_return"])
                continue
            k = demos[stage - 1]
            bc = BehaviorCloning(
                4,
                2,
                discrete=True,
                config=BCConfig(
                    hidden_sizes=tuple(cfg.hidden),
                    learning_rate=cfg.lr,
                    batch_size=cfg.batch_size,
                    epochs=cfg.epochs,
                    seed=int(seeds[1]),
                ),
            )
            losses = bc.fit(TransitionDataset.load(path).episodes(k))
            mean, std = evaluate_policy(bc.act, "CartPole-v1", cfg.eval_episodes, EVAL_SEED)
            loop.state["returns"][stage - 1] = mean
            ctx.log(k, bc_return=mean, bc_return_std=std, bc_loss=losses[-1])
            bar.advance(1, bc_return=mean)
    returns = np.asarray(loop.state["returns"], float)
    _plot(ctx, demos, returns, float(loop.state["expert_return"]))
    reached = [k for k, r in zip(demos, returns, strict=True) if r >= TARGET]
    return {
        "eval_return": float(returns[-1]),
        "demonstrations": demos[-1],
        "returns_by_demonstrations": {
            str(k): float(r) for k, r in zip(demos, returns, strict=True)
        },
        "fewest_demonstrations_at_target": reached[0] if reached else None,
        "expert_return": float(loop.state["expert_return"]),
        "expert_steps": int(loop.state["expert_steps"]),
    }


def _plot(ctx: RunContext, demos: list[int], returns: np.ndarray, expert: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(demos, returns, marker="o", label="behaviour cloning")
    ax.axhline(expert, color="C1", linestyle=":", label=f"PPO expert ({expert:g})")
    ax.axhline(TARGET, color="gray", linestyle="--", label=f"target {TARGET:g}")
    ax.set_xscale("log")
    ax.set_xlabel("expert episodes (demonstrations)")
    ax.set_ylabel("mean return (deterministic)")
    ax.set_title(ctx.name)
    ax.legend()
    ctx.save_figure(fig, "demonstrations.png")


MILESTONE = Milestone(
    name="cartpole-bc",
    title="Behaviour cloning of a PPO expert on CartPole-v1, return against demonstrations",
    phase="Phase 10 (implementation curriculum), week 26",
    target="eval_return >= 475 (10 fresh episodes) from <= 20 expert episodes",
    expected_time="~2-6 min (the PPO expert), then seconds per clone",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= TARGET and s["demonstrations"] <= 20,
)
