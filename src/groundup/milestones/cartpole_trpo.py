"""Milestone ``cartpole-trpo``: TRPO (natural gradient by conjugate gradient, KL line search) on CartPole-v1 (Phase 10, week 23).

rl-baselines3-zoo's setting for sb3-contrib's TRPO: 2 environments × 512 steps per
update, γ 0.98, λ 0.8, δ = 0.01, 20 critic epochs. Target: ≥ 475 (CartPole-v1's reward
threshold) within 100k environment steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(1024)] = 100_000
    """Environment steps to train for."""
    chunk_rollouts: Annotated[int, Min(1)] = 4
    """Rollouts (of 2 x 512 steps) between evaluations and checkpoints."""
    target_kl: Annotated[float, Min(0, exclusive=True)] = 0.01
    """The trust region's radius delta."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""
    final_episodes: Annotated[int, Min(10)] = 20
    """Fresh-seed episodes that measure the kept policy at the end."""

    def quick(self) -> Config:
        return replace(self, total_timesteps=2048, chunk_rollouts=1, eval_episodes=2)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.milestones._rl_agent import agent_seed, train_on_policy
    from groundup.rl.policy_gradient.trpo import TRPO, TRPOConfig

    agent = TRPO(
        TRPOConfig(
            total_timesteps=cfg.total_timesteps,
            target_kl=cfg.target_kl,
            seed=agent_seed(ctx),
        )
    )
    return train_on_policy(
        ctx,
        cfg,
        agent,
        chunk_steps=cfg.chunk_rollouts * agent.config.num_envs * agent.config.num_steps,
        step=lambda: agent.train_one_rollout()["episode_returns"],
        optimizer=agent.critic_optimizer,
        target=475.0,
    )


MILESTONE = Milestone(
    name="cartpole-trpo",
    title="TRPO (conjugate gradient on Fisher-vector products, KL line search) on CartPole-v1",
    phase="Phase 10 (implementation curriculum), week 23",
    target="eval_return >= 475 (mean of 20 deterministic episodes) within 100k steps",
    expected_time="~3 min (100k steps)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= 475 and 0 <= s["steps_to_target"] <= 100_000,
)
