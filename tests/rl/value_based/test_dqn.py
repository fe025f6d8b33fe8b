"""DQN and Double DQN: targets by hand (the two differ exactly where the online and target
argmax differ), no bootstrap through a termination, the n-step discount, learning the
identity env within 2,000 steps, and CartPole to 500 within 50k steps (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.rl.envs import IdentityEnv
from groundup.rl.value_based import DQN, DQNConfig, dqn_targets


def test_targets_by_hand_dqn_vs_double():
    r = np.array([1.0, 0.0])
    q_tgt = np.array([[2.0, 5.0], [3.0, 1.0]])
    q_onl = np.array([[4.0, 0.0], [3.0, 1.0]])  # row 0: online prefers action 0
    term = np.array([0.0, 0.0])
    disc = np.array([0.9, 0.9])
    np.testing.assert_allclose(dqn_targets(r, q_tgt, term, disc), [1 + 0.9 * 5, 0.9 * 3])
    np.testing.assert_allclose(dqn_targets(r, q_tgt, term, disc, q_onl), [1 + 0.9 * 2, 0.9 * 3])


def test_targets_do_not_bootstrap_through_termination_and_use_the_stored_discount():
    y = dqn_targets(
        np.array([1.0, 1.0]),
        np.array([[7.0, 9.0], [7.0, 9.0]]),
        np.array([1.0, 0.0]),
        np.array([0.99, 0.99**3]),
    )
    np.testing.assert_allclose(y, [1.0, 1 + 0.99**3 * 9])
    with pytest.raises(ValueError, match=r"next_q_target must have shape \(2, num_actions\)"):
        dqn_targets(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2))


def quick_config(**kw):
    base = dict(
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
        seed=0,
    )
    base.update(kw)
    return DQNConfig(**base)


@pytest.mark.parametrize("double", [False, True])
def test_dqn_learns_the_identity_env_in_2000_steps(double):
    agent = DQN(quick_config(double=double), env_fn=lambda: IdentityEnv(n=4, ep_length=20))
    agent.learn()
    mean, _ = agent.evaluate(num_episodes=10)
    assert mean >= 18.0  # of 20; random play earns 5


def test_epsilon_schedule():
    agent = DQN(quick_config(), env_fn=lambda: IdentityEnv())
    assert agent.epsilon() == 1.0
    agent.global_step = 300  # half of 0.3 * 2000
    assert agent.epsilon() == pytest.approx(0.51)
    agent.global_step = 5000
    assert agent.epsilon() == pytest.approx(0.02)


def test_a_continuous_env_is_refused_with_the_alternatives():
    with pytest.raises(ValueError, match=r"DQN needs a Discrete action space.*DDPG, TD3 or SAC"):
        DQN(DQNConfig(env_id="Pendulum-v1"))


def test_hard_target_copy_happens_on_its_interval_only():
    agent = DQN(
        quick_config(target_update_interval=1000, learning_starts=10, total_timesteps=60),
        env_fn=lambda: IdentityEnv(),
    )
    before = agent.q_target.state_dict()["net.0.weight"].detach().numpy().copy()
    agent.learn()
    after = agent.q_target.state_dict()["net.0.weight"].detach().numpy()
    online = agent.q.state_dict()["net.0.weight"].detach().numpy()
    np.testing.assert_array_equal(before, after)
    assert not np.array_equal(online, after)


@pytest.mark.slow
def test_dqn_cartpole_reaches_500_within_50k_steps():
    # the zoo's DQN setting; Double DQN with the same setting reached 248 on seed 0 (not yet tuned)
    agent = DQN(DQNConfig(seed=0))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 475
