"""Milestone ``cartpole-a2c``: advantage actor-critic on CartPole-v1 (Phase 10, week 23).

Stable-Baselines3's A2C defaults (8 environments × 5 steps, RMSprop 7e-4, γ 0.99, one
gradient step per 40-step rollout). Target: the deterministic policy averages ≥ 475
(CartPole-v1's reward threshold) over 20 fresh episodes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(40)] = 200_000
    """Environment steps to train for."""
    chunk_steps: Annotated[int, Min(40)] = 8_000
    """Environment steps between evaluations and checkpoints (a multiple of 40)."""
    learning_rate: Annotated[float, Min(0, exclusive=True)] = 7e-4
    """RMSprop's learning rate."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""
    final_episodes: Annotated[int, Min(10)] = 20
    """Fresh-seed episodes that measure the kept policy at the end."""

    def quick(self) -> Config:
        return replace(self, total_timesteps=800, chunk_steps=400, eval_episodes=2)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.milestones._cartpole import Networks, train_in_chunks
    from groundup.rl.policy_gradient.a2c import A2C, A2CConfig

    agent = A2C(
        A2CConfig(
            total_timesteps=cfg.total_timesteps,
            learning_rate=cfg.learning_rate,
            seed=int(ctx.rng(0).integers(2**31)),
        )
    )

    def advance(chunk: int) -> tuple[int, list[float]]:
        returns: list[float] = []
        end = min(cfg.total_timesteps, (chunk + 1) * cfg.chunk_steps)
        while agent.global_step < end:
            returns += agent.train_one_rollout()[1]
        return agent.global_step, returns

    def reset_envs(seed: int) -> None:
        agent.collector.obs, _ = agent.envs.reset(seed=seed)
        agent.collector.episode_return[:] = 0.0

    return train_in_chunks(
        ctx,
        agent=agent,
        nets=Networks(policy=agent.policy, value=agent.value),
        optimizer=agent.optimizer,
        chunks=-(-cfg.total_timesteps // cfg.chunk_steps),
        advance=advance,
        reset_envs=reset_envs,
        counters=("global_step",),
        eval_episodes=cfg.eval_episodes,
        final_episodes=cfg.final_episodes,
        target=475.0,
    )


MILESTONE = Milestone(
    name="cartpole-a2c",
    title="A2C (synchronous advantage actor-critic) on CartPole-v1",
    phase="Phase 10 (implementation curriculum), week 23",
    target="eval_return >= 475 (mean of 20 deterministic episodes)",
    expected_time="~6 min (200k steps)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= 475,
)
