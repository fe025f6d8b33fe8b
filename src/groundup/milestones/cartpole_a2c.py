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
    from groundup.milestones._rl_agent import agent_seed, train_on_policy
    from groundup.rl.policy_gradient.a2c import A2C, A2CConfig

    agent = A2C(
        A2CConfig(
            total_timesteps=cfg.total_timesteps,
            learning_rate=cfg.learning_rate,
            seed=agent_seed(ctx),
        )
    )
    return train_on_policy(
        ctx,
        cfg,
        agent,
        chunk_steps=cfg.chunk_steps,
        step=lambda: agent.train_one_rollout()[1],
        optimizer=agent.optimizer,
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
