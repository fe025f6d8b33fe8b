"""Milestone ``pendulum-ddpg``: DDPG swings up Gymnasium's Pendulum-v1 (Phase 10, week 25).

A deterministic actor trained through one critic's action-gradient. rl-baselines3-zoo's
DDPG reaches −152 ± 94 at 20,000 steps with 10,000 uniformly random steps first,
$\\gamma = 0.98$, Gaussian exploration noise 0.1 and 400-300 networks; this run uses
that setting (:class:`~groundup.rl.actor_critic.DDPGConfig`'s defaults) and evaluates
the deterministic actor over 10 episodes after every 1,000 steps. A random policy gets
about −1,200; −200 is a pendulum held up almost from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from groundup.milestones._rl_agent import (
    PENDULUM_TARGET,
    DeterministicPendulumConfig,
    train_pendulum,
)
from groundup.milestones.base import Milestone, RunContext


@dataclass(frozen=True)
class Config(DeterministicPendulumConfig):
    """What ``--set KEY=VALUE`` can change."""


def make_agent(cfg: Config, seed: int) -> Any:
    """The agent this milestone trains (``groundup play`` rebuilds it from the run)."""
    from groundup.rl.actor_critic import DDPG, DDPGConfig

    return DDPG(DDPGConfig(**cfg.agent_kwargs(), seed=seed))


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    return train_pendulum(cfg, ctx, make_agent(cfg, ctx.seed))


MILESTONE = Milestone(
    name="pendulum-ddpg",
    title="DDPG (deterministic actor, one critic) swings up Pendulum-v1 in 20k steps",
    phase="Phase 10 (implementation curriculum), week 25",
    target="eval_return >= -200 (10 deterministic episodes) within 20,000 steps",
    expected_time="~4-10 min (10,000 updates of 400-300 networks)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= PENDULUM_TARGET,
)
