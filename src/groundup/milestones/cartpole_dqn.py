"""Milestone ``cartpole-dqn``: DQN (``--set double=true``: Double DQN) on CartPole-v1 (Phase 10, week 24).

rl-baselines3-zoo's setting: a 256-256 Q-network, Adam 2.3e-3, 128 gradient steps of
64 transitions every 256 environment steps, the target network copied at the start of
each training phase, ε from 1 to 0.04 over the first 16% of training. The replay
buffer is part of the checkpoint. Target: return 500 within 50k environment steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(256)] = 50_000
    """Environment steps to train for."""
    chunk_steps: Annotated[int, Min(256)] = 2_048
    """Environment steps between evaluations and checkpoints (a multiple of train_freq)."""
    double: bool = False
    """Double DQN: the online network chooses the next action, the target evaluates it."""
    learning_rate: Annotated[float, Min(0, exclusive=True)] = 2.3e-3
    """Adam's learning rate."""
    learning_starts: Annotated[int, Min(0)] = 1_000
    """Random steps before the first update."""
    train_freq: Annotated[int, Min(1)] = 256
    """Environment steps between training phases."""
    gradient_steps: Annotated[int, Min(1)] = 128
    """Gradient steps per training phase."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (256, 256)
    """Hidden widths of the Q-network."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""
    final_episodes: Annotated[int, Min(10)] = 20
    """Fresh-seed episodes that measure the kept policy at the end."""

    def quick(self) -> Config:
        return replace(
            self,
            total_timesteps=1024,
            chunk_steps=512,
            learning_starts=256,
            train_freq=64,
            gradient_steps=8,
            hidden=(32,),
            eval_episodes=2,
        )


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.milestones._rl_agent import Networks, agent_seed, train_keeping_best
    from groundup.rl.value_based.double_dqn import DoubleDQN
    from groundup.rl.value_based.dqn import DQN, DQNConfig

    agent = (DoubleDQN if cfg.double else DQN)(
        DQNConfig(
            total_timesteps=cfg.total_timesteps,
            learning_rate=cfg.learning_rate,
            learning_starts=cfg.learning_starts,
            train_freq=cfg.train_freq,
            gradient_steps=cfg.gradient_steps,
            hidden_sizes=cfg.hidden,
            seed=agent_seed(ctx),
        )
    )

    def advance(chunk: int) -> tuple[int, list[float]]:
        end = min(cfg.total_timesteps, (chunk + 1) * cfg.chunk_steps)
        rows = agent.learn(total_timesteps=end)
        returns = [
            r["episode_return"] for r in rows[-1:] if r["episode_return"] == r["episode_return"]
        ]
        return agent.global_step, returns

    def reset_envs(seed: int) -> None:
        agent._obs, _ = agent.envs.reset(seed=seed)
        agent._episode_return, agent._after_end = 0.0, False

    return train_keeping_best(
        ctx,
        agent=agent,
        nets=Networks(q=agent.q, q_target=agent.q_target),
        optimizer=agent.optimizer,
        chunks=-(-cfg.total_timesteps // cfg.chunk_steps),
        advance=advance,
        reset_envs=reset_envs,
        counters=("global_step",),
        eval_episodes=cfg.eval_episodes,
        final_episodes=cfg.final_episodes,
        target=500.0,
        buffer=agent.buffer,
    )


MILESTONE = Milestone(
    name="cartpole-dqn",
    title="DQN / Double DQN (replay buffer, target network) on CartPole-v1",
    phase="Phase 10 (implementation curriculum), week 24",
    target="eval_return 500 (mean of 20 deterministic episodes) within 50k steps",
    expected_time="~8 min (50k steps, 25k gradient steps)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= 500 and 0 <= s["steps_to_target"] <= 50_000,
)
