"""Milestone ``cartpole-reinforce``: REINFORCE with reward-to-go and a learned baseline on CartPole-v1 (Phase 10, week 23).

Four complete episodes per policy-gradient step, Adam 1e-2 for the policy and for the
baseline $V_\\phi$, advantages whitened per batch, 600 episodes. Target: the
deterministic policy averages ≥ 475 (CartPole-v1's reward threshold) over 20 fresh
episodes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_episodes: Annotated[int, Min(4)] = 600
    """Training episodes."""
    chunk_episodes: Annotated[int, Min(4)] = 40
    """Episodes between evaluations and checkpoints (a multiple of 4)."""
    learning_rate: Annotated[float, Min(0, exclusive=True)] = 1e-2
    """Adam's learning rate for the policy."""
    baseline: bool = True
    """Subtract a learned V(s) from the reward-to-go."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""
    final_episodes: Annotated[int, Min(10)] = 20
    """Fresh-seed episodes that measure the kept policy at the end."""

    def quick(self) -> Config:
        return replace(self, total_episodes=16, chunk_episodes=8, eval_episodes=2)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.milestones._rl_agent import (
        Networks,
        Optimizers,
        agent_seed,
        train_keeping_best,
    )
    from groundup.rl.policy_gradient.reinforce import REINFORCE, REINFORCEConfig

    agent = REINFORCE(
        REINFORCEConfig(
            total_episodes=cfg.total_episodes,
            learning_rate=cfg.learning_rate,
            baseline=cfg.baseline,
            seed=agent_seed(ctx),
        )
    )
    agent.env_steps = 0  # counted here; REINFORCE itself counts episodes
    per_update = agent.config.episodes_per_update

    def advance(chunk: int) -> tuple[int, list[float]]:
        returns: list[float] = []
        end = min(cfg.total_episodes, (chunk + 1) * cfg.chunk_episodes)
        while agent.episodes < end:
            episodes = [agent.run_episode() for _ in range(per_update)]
            agent.update(episodes)
            returns += [float(ep["rewards"].sum()) for ep in episodes]
            agent.env_steps += sum(len(ep["rewards"]) for ep in episodes)
        return agent.env_steps, returns

    return train_keeping_best(
        ctx,
        agent=agent,
        nets=Networks(policy=agent.policy, value=agent.value),
        optimizer=Optimizers(agent.optimizer, agent.value_optimizer),
        chunks=-(-cfg.total_episodes // cfg.chunk_episodes),
        advance=advance,
        reset_envs=None,  # every episode resets with its own seed
        counters=("episodes", "env_steps"),
        eval_episodes=cfg.eval_episodes,
        final_episodes=cfg.final_episodes,
        target=475.0,
    )


MILESTONE = Milestone(
    name="cartpole-reinforce",
    title="REINFORCE (reward-to-go, learned baseline) on CartPole-v1",
    phase="Phase 10 (implementation curriculum), week 23",
    target="eval_return >= 475 (mean of 20 deterministic episodes)",
    expected_time="~1 min (600 episodes)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= 475,
)
