"""Milestone ``pendulum-ddpg``: DDPG swings up Gymnasium's Pendulum-v1 (Phase 10, week 25).

A deterministic actor trained through one critic's action-gradient. rl-baselines3-zoo's
DDPG reaches −152 ± 94 at 20,000 steps with 10,000 uniformly random steps first,
$\\gamma = 0.98$, Gaussian exploration noise 0.1 and 400-300 networks; this run uses
that setting (:class:`~groundup.rl.actor_critic.DDPGConfig`'s defaults) and evaluates
the deterministic actor over 10 episodes after every 1,000 steps. A random policy gets
about −1,200; −200 is a pendulum held up almost from the start.
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
    learning_starts: Annotated[int, Min(1)] = 10_000
    """Uniformly random steps before the first update."""
    batch_size: Annotated[int, Min(1)] = 256
    """Transitions per update."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's learning rate (actor and critic)."""
    gamma: Annotated[float, Min(0)] = 0.98
    """Discount factor."""
    exploration_noise: Annotated[float, Min(0)] = 0.1
    """Std of the Gaussian exploration noise (fraction of half the action range)."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (400, 300)
    """Hidden widths of the actor and the critic."""
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
    from groundup.rl.actor_critic import DDPG, DDPGConfig

    return DDPG(
        DDPGConfig(
            total_timesteps=cfg.total_timesteps,
            learning_starts=cfg.learning_starts,
            batch_size=cfg.batch_size,
            policy_lr=cfg.lr,
            q_lr=cfg.lr,
            gamma=cfg.gamma,
            exploration_noise=cfg.exploration_noise,
            hidden_sizes=tuple(cfg.hidden),
            seed=seed,
        )
    )


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    agent = make_agent(cfg, ctx.seed)
    return train_in_chunks(
        ctx, agent, cfg.total_timesteps, cfg.eval_every, cfg.eval_episodes, TARGET
    )


MILESTONE = Milestone(
    name="pendulum-ddpg",
    title="DDPG (deterministic actor, one critic) swings up Pendulum-v1 in 20k steps",
    phase="Phase 10 (implementation curriculum), week 25",
    target="eval_return >= -200 (10 deterministic episodes) within 20,000 steps",
    expected_time="~4-10 min (10,000 updates of 400-300 networks)",
    train=train,
    config=Config,
    check=lambda s: s["eval_return"] >= TARGET,
)
