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
    from groundup.milestones._cartpole import Networks, train_in_chunks
    from groundup.rl.policy_gradient.trpo import TRPO, TRPOConfig

    agent = TRPO(
        TRPOConfig(
            total_timesteps=cfg.total_timesteps,
            target_kl=cfg.target_kl,
            seed=int(ctx.rng(0).integers(2**31)),
        )
    )
    per_chunk = cfg.chunk_rollouts * agent.config.num_envs * agent.config.num_steps

    def advance(chunk: int) -> tuple[int, list[float]]:
        returns: list[float] = []
        end = min(cfg.total_timesteps, (chunk + 1) * per_chunk)
        while agent.global_step < end:
            returns += agent.train_one_rollout()["episode_returns"]
        return agent.global_step, returns

    def reset_envs(seed: int) -> None:
        agent.collector.obs, _ = agent.envs.reset(seed=seed)
        agent.collector.episode_return[:] = 0.0

    return train_in_chunks(
        ctx,
        agent=agent,
        nets=Networks(policy=agent.policy, value=agent.value),
        optimizer=agent.critic_optimizer,
        chunks=-(-cfg.total_timesteps // per_chunk),
        advance=advance,
        reset_envs=reset_envs,
        counters=("global_step",),
        eval_episodes=cfg.eval_episodes,
        final_episodes=cfg.final_episodes,
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
