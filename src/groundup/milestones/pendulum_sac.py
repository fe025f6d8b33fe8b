"""Milestone ``pendulum-sac``: Soft Actor-Critic swings up Gymnasium's Pendulum-v1 (Phase 10, week 25).

The pendulum starts at a random angle and must be swung up and held upright with a
bounded torque; a return of −200 or better over 200 steps is a pendulum held up almost
from the start (a random policy gets about −1,200). rl-baselines3-zoo's SAC reaches
−157 ± 89 at 20,000 steps; this run uses its setting (:class:`~groundup.rl.actor_critic.SACConfig`'s
defaults) and evaluates the mean action over 10 episodes after every 1,000 steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from groundup.milestones._rl_agent import PENDULUM_TARGET, PendulumConfig, train_pendulum
from groundup.milestones.base import Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(PendulumConfig):
    """What ``--set KEY=VALUE`` can change."""

    learning_starts: Annotated[int, Min(1)] = 100
    """Uniformly random steps before the first update."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (256, 256)
    """Hidden widths of the actor and of each critic."""


def make_agent(cfg: Config, seed: int) -> Any:
    """The agent this milestone trains (``groundup play`` rebuilds it from the run)."""
    from groundup.rl.actor_critic import SAC, SACConfig

    return SAC(SACConfig(**cfg.agent_kwargs(), seed=seed))


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    agent = make_agent(cfg, ctx.seed)
    return {**train_pendulum(cfg, ctx, agent), "alpha": agent.alpha}


MILESTONE = Milestone(
    name="pendulum-sac",
    title="SAC (twin critics, learned temperature) swings up Pendulum-v1 in 20k steps",
    phase="Phase 10 (implementation curriculum), week 25",
    target="eval_return >= -200 (10 deterministic episodes) within 20,000 steps",
    expected_time="~6-15 min (20,000 updates of 256-256 networks)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= PENDULUM_TARGET,
)
