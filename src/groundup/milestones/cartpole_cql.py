"""Milestone ``cartpole-cql``: conservative Q-learning offline on CartPole-v1 (Phase 10, week 26).

First the data: a DQN (rl-baselines3-zoo's CartPole setting) trains online and stops at
its first evaluation (10 deterministic episodes) at or above ``half_return`` — a
half-trained agent; its ε-greedy play (ε = ``data_epsilon``) then fills a dataset of
``dataset_size`` transitions (``dataset.npz``, the format of
:mod:`groundup.rl.core.datasets`). Then, from that dataset only, never touching the
environment except to evaluate, two learners train side by side for ``offline_steps``
gradient steps: CQL (Double DQN + α·penalty) and plain offline Double DQN (α = 0).
Target: CQL's return exceeds the dataset's mean episode return and offline DQN's, and
CQL's mean Q on the dataset's actions is below offline DQN's (it does not overestimate).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

EVAL_SEED = 20_000
DATA_SEED = 30_000


@dataclass(frozen=True)
class Config(RunConfig):
    """What ``--set KEY=VALUE`` can change."""

    dqn_steps: Annotated[int, Min(256)] = 50_000
    """Most environment steps the data-collecting DQN trains for."""
    dqn_check: Annotated[int, Min(256)] = 2_048
    """Steps between the DQN's evaluations."""
    half_return: Annotated[float, Min(0)] = 150.0
    """The DQN stops at its first evaluation at or above this return."""
    dataset_size: Annotated[int, Min(1)] = 50_000
    """Transitions in the offline dataset."""
    data_epsilon: Annotated[float, Min(0)] = 0.1
    """Random-action probability while collecting the dataset."""
    offline_steps: Annotated[int, Min(1)] = 10_000
    """Gradient steps of each offline learner."""
    eval_every: Annotated[int, Min(1)] = 2_000
    """Gradient steps between evaluations (and checkpoints)."""
    alpha: Annotated[float, Min(0)] = 1.0
    """CQL's penalty weight."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's learning rate of both offline learners."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (64, 64)
    """Hidden widths of both offline Q-networks."""
    eval_episodes: Annotated[int, Min(1)] = 10
    """Deterministic episodes per evaluation."""

    def quick(self) -> Config:
        return replace(
            self,
            dqn_steps=512,
            dqn_check=256,
            dataset_size=600,
            offline_steps=40,
            eval_every=20,
            hidden=(16,),
            eval_episodes=2,
        )


def collect_dataset(cfg: Config, seed: int, ctx: RunContext) -> tuple[Any, int, float]:
    """Train the DQN to ``half_return``, then record its ε-greedy play."""
    from groundup.rl.core.datasets import collect_transitions
    from groundup.rl.value_based import DQN, DQNConfig

    dqn = DQN(DQNConfig(total_timesteps=cfg.dqn_steps, seed=seed))
    mean = 0.0
    while dqn.global_step < cfg.dqn_steps:
        dqn.learn(min(cfg.dqn_steps, dqn.global_step + cfg.dqn_check))
        mean, _ = dqn.evaluate(cfg.eval_episodes)
        ctx.log(dqn.global_step, dqn_eval_return=mean)
        if mean >= cfg.half_return:
            break
    rng = np.random.default_rng([seed, 7])

    def act(obs: np.ndarray) -> int:
        if rng.random() < cfg.data_epsilon:
            return int(rng.integers(2))
        return dqn.act(obs)

    data = collect_transitions(act, "CartPole-v1", num_steps=cfg.dataset_size, seed=DATA_SEED)
    return data, dqn.global_step, mean


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.rl.core.datasets import TransitionDataset
    from groundup.rl.core.envs import evaluate_policy
    from groundup.rl.offline import CQLConfig, DiscreteCQL

    seeds = ctx.rng(0).integers(2**31, size=2)
    chunks = -(-cfg.offline_steps // cfg.eval_every)
    path = ctx.out_dir / "dataset.npz"
    learners: dict[str, Any] = {}

    def build(data: Any) -> None:
        for name, alpha in (("cql", cfg.alpha), ("dqn", 0.0)):
            learners[name] = DiscreteCQL(
                4,
                2,
                data,
                CQLConfig(
                    alpha=alpha,
                    learning_rate=cfg.lr,
                    hidden_sizes=tuple(cfg.hidden),
                    seed=int(seeds[1]),
                ),
            )

    def snapshot() -> dict[str, Any]:
        return {
            name: {
                "modules": {k: m.state_dict() for k, m in agent._modules().items()},
                "rng": agent.rng.bit_generator.state,
                "num_updates": agent.num_updates,
            }
            for name, agent in learners.items()
        }

    loop = ctx.loop(
        1 + chunks,
        unit="stage",
        state={"learners": {}, "data": np.zeros(4), "curve": np.zeros((0, 5))},
    )
    if ctx.resumed and path.exists():
        from groundup.rl.core.off_policy import _plain

        build(TransitionDataset.load(path))
        for name, agent in learners.items():
            saved = loop.state["learners"][name]
            for k, m in agent._modules().items():
                m.load_state_dict(saved["modules"][k])
            agent.rng.bit_generator.state = _plain(saved["rng"])
            agent.num_updates = int(saved["num_updates"])
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for stage in loop:
            if stage == 0:
                data, dqn_steps, dqn_return = collect_dataset(cfg, int(seeds[0]), ctx)
                data.save(path)
                build(data)
                loop.state["data"] = np.array(
                    [dqn_steps, dqn_return, data.episode_returns.mean(), data.num_episodes]
                )
                loop.state["learners"] = snapshot()
                bar.advance(1, dataset_return=float(data.episode_returns.mean()))
                continue
            until = min(cfg.offline_steps, stage * cfg.eval_every)
            row = []
            for _name, agent in learners.items():
                while agent.num_updates < until:
                    stats = agent.train_step()
                mean, _ = evaluate_policy(agent.act, "CartPole-v1", cfg.eval_episodes, EVAL_SEED)
                row += [mean, agent.q_on_data()]
            ctx.log(
                until,
                cql_return=row[0],
                cql_q_on_data=row[1],
                dqn_return=row[2],
                dqn_q_on_data=row[3],
                cql_penalty=stats["cql_penalty"],
            )
            curve = np.asarray(loop.state["curve"]).reshape(-1, 5)
            loop.state["curve"] = np.concatenate([curve, [[until, *row]]])
            loop.state["learners"] = snapshot()
            bar.advance(1, cql=row[0], dqn=row[2])
    curve = np.asarray(loop.state["curve"]).reshape(-1, 5)
    dqn_steps, dqn_return, data_return, episodes = (float(x) for x in loop.state["data"])
    _plot(ctx, curve, data_return)
    return {
        "eval_return": float(curve[-1, 1]),
        "offline_dqn_return": float(curve[-1, 3]),
        "dataset_return": data_return,
        "cql_q_on_data": float(curve[-1, 2]),
        "offline_dqn_q_on_data": float(curve[-1, 4]),
        "dataset_episodes": int(episodes),
        "data_dqn_steps": int(dqn_steps),
        "data_dqn_eval_return": dqn_return,
    }


def _plot(ctx: RunContext, curve: np.ndarray, data_return: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
    ax.plot(curve[:, 0], curve[:, 1], marker="o", label="CQL")
    ax.plot(curve[:, 0], curve[:, 3], marker="s", label="offline Double DQN")
    ax.axhline(data_return, color="gray", linestyle="--", label=f"dataset ({data_return:.0f})")
    ax.set_xlabel("gradient steps")
    ax.set_ylabel("mean return (deterministic)")
    ax.legend()
    bx.plot(curve[:, 0], curve[:, 2], marker="o", label="CQL")
    bx.plot(curve[:, 0], curve[:, 4], marker="s", label="offline Double DQN")
    bx.set_xlabel("gradient steps")
    bx.set_ylabel("mean Q(s, a) on the dataset")
    bx.legend()
    fig.suptitle(ctx.name)
    ctx.save_figure(fig, "offline.png")


MILESTONE = Milestone(
    name="cartpole-cql",
    title="CQL offline on CartPole-v1 from a half-trained DQN's data, against offline DQN",
    phase="Phase 10 (implementation curriculum), week 26",
    target="CQL return > dataset mean and > offline DQN's; CQL's Q on data < offline DQN's",
    expected_time="~10-20 min (the DQN, then 2 x 10k offline gradient steps)",
    train=train,
    config=Config,
    check=lambda s: (
        s["eval_return"] > max(s["dataset_return"], s["offline_dqn_return"])
        and s["cql_q_on_data"] < s["offline_dqn_q_on_data"]
    ),
)
