"""Milestone ``cartpole-ppo``: PPO (clipped objective, GAE) on CartPole-v1 (Phase 10, week 23).

rl-baselines3-zoo's setting: 8 environments × 32 steps per rollout, 20 epochs of one
256-sample minibatch, γ 0.98, λ 0.8, learning rate and clip range annealed linearly
to 0 over 100k steps. Target: the deterministic policy holds the pole for the whole
500-step episode (return 500) within 100k environment steps.
``groundup run cartpole-ppo --mine`` trains with your own exercise code overlaid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(256)] = 100_000
    """Environment steps to train for."""
    chunk_rollouts: Annotated[int, Min(1)] = 8
    """Rollouts (of 8 x 32 steps) between evaluations and checkpoints."""
    learning_rate: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's initial learning rate (annealed to 0)."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""
    final_episodes: Annotated[int, Min(10)] = 20
    """Fresh-seed episodes that measure the kept policy at the end."""

    def quick(self) -> Config:
        return replace(self, total_timesteps=1024, chunk_rollouts=2, eval_episodes=2)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.milestones._rl_agent import agent_seed, train_on_policy
    from groundup.rl.policy_gradient.ppo import PPO, PPOConfig

    agent = PPO(
        PPOConfig(
            total_timesteps=cfg.total_timesteps,
            learning_rate=cfg.learning_rate,
            seed=agent_seed(ctx),
        )
    )

    def step() -> list[float]:
        # annealing follows the steps done before this rollout
        progress = min(1.0, agent.global_step / cfg.total_timesteps)
        rollout = agent.collect_rollout()
        agent.update(rollout, progress=progress)
        return rollout.episode_returns

    return train_on_policy(
        ctx,
        cfg,
        agent,
        chunk_steps=cfg.chunk_rollouts * agent.config.num_envs * agent.config.num_steps,
        step=step,
        optimizer=agent.optimizer,
        target=500.0,
        counters=("global_step", "num_updates"),
    )


MILESTONE = Milestone(
    name="cartpole-ppo",
    title="PPO (clipped objective, GAE) on CartPole-v1",
    phase="Phase 10 (implementation curriculum), week 23",
    target="eval_return 500 (mean of 20 deterministic episodes) within 100k steps",
    expected_time="~2 min (100k steps)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= 500 and 0 <= s["steps_to_target"] <= 100_000,
)
