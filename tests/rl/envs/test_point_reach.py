"""PointReach2D: Gymnasium's check_env, the goal-env reward contract on batches, dynamics,
and that a random policy almost never succeeds."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from groundup.rl.envs import GoalObservation, PointReach2D


def test_passes_gymnasiums_check_env():
    check_env(PointReach2D(), skip_render_check=True)
    check_env(GoalObservation(PointReach2D()), skip_render_check=True)


def test_compute_reward_on_batches_equals_the_per_sample_reward():
    env = PointReach2D()
    rng = np.random.default_rng(0)
    ag = rng.uniform(-1, 1, (7, 5, 2)).astype(np.float32)
    dg = ag + rng.normal(0, 0.05, (7, 5, 2)).astype(np.float32)  # about half within 0.05
    batch = env.compute_reward(ag, dg, None)
    assert batch.shape == (7, 5)
    single = np.array(
        [[env.compute_reward(ag[i, j], dg[i, j], None) for j in range(5)] for i in range(7)]
    )
    np.testing.assert_array_equal(batch, single)
    assert set(np.unique(batch)) == {-1.0, 0.0}


def test_step_reward_is_compute_reward_and_episodes_truncate_at_50():
    env = PointReach2D()
    obs, _ = env.reset(seed=3)
    for t in range(50):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        assert r == env.compute_reward(obs["achieved_goal"], obs["desired_goal"], info)
        assert info["is_success"] == (r == 0.0)
        assert not term and trunc == (t == 49)


def test_dynamics_by_hand():
    env = PointReach2D()
    env.reset(seed=0)
    env.pos, env.vel = np.array([0.0, 0.5], np.float32), np.array([0.1, 0.0], np.float32)
    obs, *_ = env.step(np.array([1.0, -1.0], np.float32))
    # v = 0.8 v + 0.1 a = (0.18, -0.1); p = p + v = (0.18, 0.4)
    np.testing.assert_allclose(obs["observation"], [0.18, 0.4, 0.18, -0.1], rtol=1e-6)
    np.testing.assert_allclose(obs["achieved_goal"], [0.18, 0.4], rtol=1e-6)


def test_a_random_policy_almost_never_succeeds():
    env = PointReach2D()
    env.action_space.seed(0)
    wins = 0
    for k in range(100):
        env.reset(seed=k)
        for _ in range(50):
            *_, info = env.step(env.action_space.sample())
        wins += info["is_success"]
    assert wins <= 5


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="max_steps"):
        PointReach2D(max_steps=0)
