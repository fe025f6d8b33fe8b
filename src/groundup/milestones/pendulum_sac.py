"""Milestone ``pendulum-sac``: Soft Actor-Critic swings up Gymnasium's Pendulum-v1 (Phase 10, week 25).

The pendulum starts at a random angle and must be swung up and held upright with a
bounded torque; a return of −200 or better over 200 steps is a pendulum held up almost
from the start (a random policy gets about −1,200). rl-baselines3-zoo's SAC reaches
−157 ± 89 at 20,000 steps; this run uses its setting (:class:`~groundup.rl.actor_critic.SACConfig`'s
defaults) and evaluates the mean action over 10 episodes after every 1,000 steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones._rl_agent import train_in_chunks
from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

TARGET = -200.0


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    total_timesteps: Annotated[int, Min(1)] = 20_000
    """Environment steps."""
    learning_starts: Annotated[int, Min(1)] = 100
    """Uniformly random steps before the first update."""
    batch_size: Annotated[int, Min(1)] = 256
    """Transitions per update."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's learning rate (actor, critics, temperature)."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (256, 256)
    """Hidden widths of the actor and of each critic."""
    eval_every: Annotated[int, Min(1)] = 1_000
    """Environment steps between evaluations (and checkpoints)."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""

    def quick(self) -> Config:
        return replace(
            self,
            total_timesteps=600,
            learning_starts=200,
            batch_size=32,
            hidden=(32, 32),
            eval_every=200,
            eval_episodes=2,
        )


def make_agent(cfg: Config, seed: int) -> Any:
    """The agent this milestone trains (``groundup play`` rebuilds it from the run)."""
    from groundup.rl.actor_critic import SAC, SACConfig

    return SAC(
        SACConfig(
            total_timesteps=cfg.total_timesteps,
            learning_starts=cfg.learning_starts,
            batch_size=cfg.batch_size,
            policy_lr=cfg.lr,
            q_lr=cfg.lr,
            hidden_sizes=tuple(cfg.hidden),
            seed=seed,
        )
    )


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    agent = make_agent(cfg, ctx.seed)
    summary = train_in_chunks(
        ctx, agent, cfg.total_timesteps, cfg.eval_every, cfg.eval_episodes, TARGET
    )
    return {**summary, "alpha": agent.alpha}


MILESTONE = Milestone(
    name="pendulum-sac",
    title="SAC (twin critics, learned temperature) swings up Pendulum-v1 in 20k steps",
    phase="Phase 10 (implementation curriculum), week 25",
    target="eval_return >= -200 (10 deterministic episodes) within 20,000 steps",
    expected_time="~6-15 min (20,000 updates of 256-256 networks)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= TARGET,
)
