"""HER: relabelled goals come from the same episode's future, their rewards from the *next*
achieved goal; k = 0 is no relabelling; the agent runs, checkpoints and resumes."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from groundup.rl.envs import PointReach2D
from groundup.rl.multi_goal import HER, HERConfig, HerReplayBuffer


def _episode(buf, T=10, goal=(0.9, 0.9)):
    """A hand-made episode: the point moves 0.1 right per step from x = -0.5 (never at goal)."""
    ag = np.stack([np.linspace(-0.5, -0.5 + 0.1 * T, T + 1), np.zeros(T + 1)], 1).astype(np.float32)
    for t in range(T):
        obs = {
            "observation": np.r_[ag[t], 0.1, 0.0].astype(np.float32),
            "achieved_goal": ag[t],
            "desired_goal": np.asarray(goal, np.float32),
        }
        nxt = {
            "observation": np.r_[ag[t + 1], 0.1, 0.0].astype(np.float32),
            "achieved_goal": ag[t + 1],
            "desired_goal": np.asarray(goal, np.float32),
        }
        buf.add(obs, np.ones(2, np.float32), -1.0, nxt, done=t == T - 1)
    return ag


def test_relabelled_goals_are_future_achieved_goals_and_rewards_use_the_next_one():
    env = PointReach2D()
    buf = HerReplayBuffer(4, 10, 4, 2, 2, env.compute_reward, n_sampled_goal=10**6)
    ag = _episode(buf)
    b = buf.sample(2_000, np.random.default_rng(0))
    t = np.rint((b.observations[:, 0] + 0.5) / 0.1).astype(int)  # the step, from x
    goals = b.observations[:, 4:]
    f = np.rint((goals[:, 0] + 0.5) / 0.1).astype(int) - 1  # goal = ag_{f+1}
    np.testing.assert_allclose(goals, ag[f + 1], atol=1e-6)
    assert np.all(f >= t) and np.all(f <= 9)
    # every future step, the current one included, is drawn
    assert set(np.unique(f - t)) == set(range(10))
    # the reward is compute_reward(ag_{t+1}, g'): 0 exactly when f = t (the point moved 0.1 a step)
    np.testing.assert_array_equal(b.rewards, np.where(f == t, 0.0, -1.0))
    np.testing.assert_allclose(b.next_observations[:, 4:], goals)
    assert b.discounts[0] == np.float32(0.95) and not b.terminated.any()


def test_k_zero_keeps_the_desired_goal_and_k_four_relabels_80_percent():
    env = PointReach2D()
    for k, frac in ((0, 0.0), (4, 0.8)):
        buf = HerReplayBuffer(4, 10, 4, 2, 2, env.compute_reward, n_sampled_goal=k)
        _episode(buf)
        b = buf.sample(4_000, np.random.default_rng(1))
        relabelled = np.mean(np.any(b.observations[:, 4:] != np.float32(0.9), axis=1))
        assert relabelled == pytest.approx(frac, abs=0.03)
        if k == 0:
            assert np.all(b.rewards == -1.0)


def test_only_complete_episodes_are_sampled_and_bad_input_is_named():
    env = PointReach2D()
    buf = HerReplayBuffer(2, 10, 4, 2, 2, env.compute_reward)
    with pytest.raises(ValueError, match="before any complete episode"):
        buf.sample(4, np.random.default_rng(0))
    _episode(buf)
    assert len(buf) == 10
    with pytest.raises(ValueError, match="n_sampled_goal"):
        HerReplayBuffer(2, 10, 4, 2, 2, env.compute_reward, n_sampled_goal=-1)
    with pytest.raises(ValueError, match="goal env"):
        HER(lambda: __import__("gymnasium").make("Pendulum-v1"))


def test_agent_trains_and_resumes_bit_for_bit():
    cfg = HERConfig(learning_starts=100, batch_size=16, hidden_sizes=(8,), train_every=5)
    a = HER(PointReach2D, cfg)
    a.learn(150)
    state = copy.deepcopy(a.state_dict())
    a.learn(300)
    b = HER(PointReach2D, cfg)
    b.load_state_dict(state)
    b.learn(300)
    obs, _ = PointReach2D().reset(seed=0)
    np.testing.assert_array_equal(a.act(obs), b.act(obs))
    assert a.global_step == b.global_step == 300
    success, ret = a.evaluate(2)
    assert 0.0 <= success <= 1.0 and -50.0 <= ret <= 0.0
