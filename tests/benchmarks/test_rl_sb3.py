"""The RL side-by-side harness (benchmarks/rl_sb3.py): both libraries get the same networks
(parameter counts) and hyperparameters, and the harness runs end to end on a tiny budget
(no timing assertions)."""

from __future__ import annotations

import math

import gymnasium as gym
import pytest
import torch
from threadpoolctl import threadpool_limits

from benchmarks import rl_sb3


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(before)


def n_params(*modules) -> int:
    return sum(int(p.data.size) for m in modules for p in m.parameters())


def test_ppo_same_networks_and_hyperparameters():
    from stable_baselines3 import PPO as SB3PPO
    from stable_baselines3.common.env_util import make_vec_env

    from groundup.rl.policy_gradient import PPO

    ours_cfg, kwargs = rl_sb3.ppo_configs(1000, 0)
    ours = PPO(ours_cfg)
    theirs = SB3PPO("MlpPolicy", make_vec_env("CartPole-v1", n_envs=8, seed=0), **kwargs)
    assert n_params(ours.policy, ours.value) == sum(p.numel() for p in theirs.policy.parameters())
    assert theirs.n_steps * theirs.n_envs == ours_cfg.num_steps * ours_cfg.num_envs == 256
    assert theirs.batch_size == 256 and theirs.n_epochs == 20
    assert (theirs.gamma, theirs.gae_lambda) == (0.98, 0.8)
    assert theirs.learning_rate(1.0) == 1e-3 and theirs.clip_range(0.5) == pytest.approx(0.1)


def test_dqn_same_network_and_hyperparameters():
    from stable_baselines3 import DQN as SB3DQN

    from groundup.rl.value_based import DQN

    ours_cfg, kwargs = rl_sb3.dqn_configs(50_000, 0)
    ours = DQN(ours_cfg)
    theirs = SB3DQN("MlpPolicy", gym.make("CartPole-v1"), **kwargs)
    assert n_params(ours.q) == sum(p.numel() for p in theirs.q_net.parameters())
    assert (theirs.train_freq.frequency, theirs.gradient_steps) == (256, 128)
    assert theirs.learning_starts == 1000 and theirs.exploration_final_eps == 0.04


def test_sac_same_networks_and_hyperparameters():
    from stable_baselines3 import SAC as SB3SAC

    from groundup.rl.actor_critic import SAC

    ours_cfg, kwargs = rl_sb3.sac_configs(20_000, 0)
    ours = SAC(ours_cfg)
    theirs = SB3SAC("MlpPolicy", gym.make("Pendulum-v1"), **kwargs)
    assert n_params(ours.actor) == sum(p.numel() for p in theirs.actor.parameters())
    assert n_params(ours.qf) == sum(p.numel() for p in theirs.critic.parameters())
    assert theirs.target_entropy == ours.target_entropy == -1.0
    assert (theirs.batch_size, theirs.tau, theirs.learning_starts) == (256, 0.005, 100)


def test_the_harness_runs_both_libraries_on_a_tiny_budget():
    lines = []
    outcomes = rl_sb3.run(
        ("ppo", "dqn", "sac"), rounds=1, scale=0.005, eval_episodes=1, log=lines.append
    )
    assert [o.task for o in outcomes] == ["PPO CartPole-v1", "DQN CartPole-v1", "SAC Pendulum-v1"]
    assert [o.steps for o in outcomes] == [500, 250, 100]
    for o in outcomes:
        for lib in ("groundup", "SB3"):
            assert len(o.wall[lib]) == len(o.returns[lib]) == 1
            assert o.wall[lib][0] > 0 and math.isfinite(o.returns[lib][0])
    assert len(lines) == 6
    table = rl_sb3.markdown(outcomes)
    assert table.count("\n") == 4 and "| SAC Pendulum-v1 | 100 |" in table
    with pytest.raises(ValueError, match=r"unknown task\(s\) \['a2c'\]"):
        rl_sb3.run(("a2c",))
