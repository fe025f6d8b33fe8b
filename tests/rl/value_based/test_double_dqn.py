"""Double DQN: the target by hand (online chooses, target evaluates), the overestimation
it removes (noisy Q-values of a true 0), shape errors, and DoubleDQN learning the identity
env within 2,000 steps; a continuous env is refused with its space named."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.rl.envs import IdentityEnv
from groundup.rl.value_based import DoubleDQN, DQNConfig, double_dqn_targets, dqn_targets


def test_double_target_by_hand():
    r = np.array([1.0, 0.0, 2.0])
    q_online = np.array([[4.0, 0.0], [3.0, 1.0], [0.0, 1.0]])
    q_target = np.array([[2.0, 5.0], [3.0, 1.0], [7.0, 6.0]])
    term = np.array([0.0, 0.0, 1.0])
    disc = np.array([0.9, 0.9, 0.9])
    # row 0: online picks 0, target values it 2 (not its own max 5); row 2: terminated
    np.testing.assert_allclose(
        double_dqn_targets(r, q_online, q_target, term, disc), [1 + 0.9 * 2, 0.9 * 3, 2.0]
    )
    # dqn_targets with the online values is the same function
    np.testing.assert_allclose(
        dqn_targets(r, q_target, term, disc, q_online),
        double_dqn_targets(r, q_online, q_target, term, disc),
    )


def test_double_dqn_removes_the_max_overestimation():
    """True Q = 0 for all 10 actions; two independent noisy estimates (sd 1).

    The DQN target max_a Q' is biased up by E[max of 10 N(0,1)] = 1.54; Double DQN's
    Q'(argmax Q) is unbiased.
    """
    rng = np.random.default_rng(0)
    B, A = 20_000, 10
    q_online, q_target = rng.normal(size=(B, A)), rng.normal(size=(B, A))
    zeros, ones = np.zeros(B), np.ones(B)
    dqn = dqn_targets(zeros, q_target, zeros, ones)
    double = double_dqn_targets(zeros, q_online, q_target, zeros, ones)
    assert dqn.mean() == pytest.approx(1.54, abs=0.03)
    assert abs(double.mean()) < 0.03  # standard error 1/sqrt(20000) = 0.007


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"next_q_online must have shape \(2, num_actions\)"):
        double_dqn_targets(np.zeros(2), np.zeros(2), np.zeros((2, 3)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"next_q_online \(2, 2\) and next_q_target \(2, 3\)"):
        double_dqn_targets(
            np.zeros(2), np.zeros((2, 2)), np.zeros((2, 3)), np.zeros(2), np.zeros(2)
        )


def test_double_dqn_learns_the_identity_env_in_2000_steps():
    cfg = DQNConfig(
        total_timesteps=2000,
        learning_starts=200,
        train_freq=1,
        gradient_steps=1,
        target_update_interval=50,
        exploration_fraction=0.3,
        exploration_final_eps=0.02,
        learning_rate=1e-3,
        batch_size=32,
        hidden_sizes=(64,),
        gamma=0.5,
        seed=1,
    )
    agent = DoubleDQN(cfg, env_fn=lambda: IdentityEnv(n=4, ep_length=20))
    assert agent.config.double and not cfg.double
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 18.0  # of 20; random play earns 5


def test_a_continuous_env_is_refused_with_its_space_named():
    with pytest.raises(ValueError, match=r"DQN needs a Discrete action space, got Box\(-2.0, 2.0"):
        DoubleDQN(DQNConfig(env_id="Pendulum-v1"))
