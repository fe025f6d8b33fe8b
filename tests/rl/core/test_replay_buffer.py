"""The replay buffer: terminated and truncated apart, Gymnasium's autoreset step dropped,
n-step returns by hand, ring overwrite, uniform sampling, and resuming from a state dict."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from groundup.rl.core import ReplayBuffer

F, T_ = np.array([False]), np.array([True])


def obs(x: float) -> np.ndarray:
    return np.array([[x]], np.float32)


def test_terminated_and_truncated_are_stored_apart():
    buf = ReplayBuffer(10, (1,))
    buf.add(obs(0), [0], [1.0], obs(1), T_, F)
    buf.add(obs(1), [0], [0.0], obs(9), F, F)  # autoreset step: dropped
    buf.add(obs(9), [1], [2.0], obs(2), F, T_)
    assert len(buf) == 2
    np.testing.assert_array_equal(buf.terminated[:2], [True, False])
    np.testing.assert_array_equal(buf.truncated[:2], [False, True])


def test_no_transition_crosses_a_gymnasium_autoreset():
    """Real Gymnasium >= 1.0 vector env (next-step autoreset): no stored transition goes
    from an episode's final observation to the next episode's reset observation."""
    num_envs = 3
    envs = gym.vector.SyncVectorEnv(
        [lambda: gym.wrappers.TimeLimit(gym.make("CartPole-v1"), 20) for _ in range(num_envs)]
    )
    assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    buf = ReplayBuffer(5000, (4,), num_envs=num_envs)
    rng = np.random.default_rng(0)
    o, _ = envs.reset(seed=0)
    crossings, resets, steps = set(), 0, 0
    ended = np.zeros(num_envs, bool)
    for _ in range(300):
        a = rng.integers(0, 2, size=num_envs)
        o2, r, term, trunc, _ = envs.step(a)
        for e in range(num_envs):
            if ended[e]:
                crossings.add((o[e].tobytes(), o2[e].tobytes()))
                resets += 1
        buf.add(o, a, r, o2, term, trunc)
        ended = term | trunc
        o = o2
        steps += num_envs
    envs.close()
    assert resets > 10
    assert len(buf) == steps - resets
    stored = {
        (buf.observations[i].tobytes(), buf.next_observations[i].tobytes()) for i in range(len(buf))
    }
    assert not stored & crossings
    # every stored transition is a real CartPole step: the cart moves by tau * velocity
    dx = buf.next_observations[: len(buf), 0] - buf.observations[: len(buf), 0]
    np.testing.assert_allclose(dx, 0.02 * buf.observations[: len(buf), 1], atol=1e-5)
    assert buf.truncated[: len(buf)].sum() > 0 and buf.terminated[: len(buf)].sum() > 0


def test_n_step_returns_by_hand():
    gamma = 0.5
    buf = ReplayBuffer(10, (1,), n_step=3, gamma=gamma)
    rewards = [1.0, 2.0, 4.0, 8.0]
    for t, rew in enumerate(rewards):
        done = T_ if t == 3 else F
        buf.add(obs(t), [0], [rew], obs(t + 1), done, F)
    assert len(buf) == 4
    # from s0: 1 + .5*2 + .25*4 = 3 to s3 (γ^3); from s1: 2 + 2 + 2 = 6 to s4, terminal
    np.testing.assert_allclose(buf.rewards[:4], [3.0, 6.0, 4 + 4.0, 8.0])
    np.testing.assert_allclose(buf.next_observations[:4, 0], [3, 4, 4, 4])
    np.testing.assert_array_equal(buf.terminated[:4], [False, True, True, True])
    np.testing.assert_allclose(buf.discounts[:4], [0.125, 0.125, 0.25, 0.5])


def test_n_step_truncation_keeps_the_bootstrap():
    buf = ReplayBuffer(10, (1,), n_step=2, gamma=0.9)
    buf.add(obs(0), [0], [1.0], obs(1), F, F)
    buf.add(obs(1), [0], [1.0], obs(2), F, T_)
    np.testing.assert_array_equal(buf.truncated[:2], [True, True])
    np.testing.assert_array_equal(buf.terminated[:2], [False, False])
    np.testing.assert_allclose(buf.discounts[:2], [0.81, 0.9], rtol=1e-6)


def test_one_step_is_the_plain_transition():
    buf = ReplayBuffer(4, (1,), gamma=0.9)
    buf.add(obs(0), [1], [2.5], obs(1), F, F)
    assert buf.rewards[0] == 2.5 and buf.next_observations[0, 0] == 1
    assert buf.discounts[0] == np.float32(0.9)


def test_ring_overwrites_the_oldest():
    buf = ReplayBuffer(3, (1,))
    for t in range(5):
        buf.add(obs(t), [0], [float(t)], obs(t + 1), F, F)
    assert len(buf) == 3
    assert sorted(buf.rewards.tolist()) == [2.0, 3.0, 4.0]


def test_sampling_is_uniform_over_what_is_stored():
    buf = ReplayBuffer(100, (1,))
    for t in range(10):
        buf.add(obs(t), [0], [float(t)], obs(t + 1), F, F)
    b = buf.sample(20000, np.random.default_rng(0))
    counts = np.bincount(b.rewards.astype(int), minlength=10)
    assert counts.min() > 1800 and counts.max() < 2200
    assert b.observations.shape == (20000, 1) and b.actions.shape == (20000,)


def test_state_dict_resumes_exactly_with_pending_n_step_prefixes():
    def fill(buf, steps):
        for t in steps:
            buf.add(
                obs(t),
                [t % 2],
                [float(t)],
                obs(t + 1),
                np.array([t % 7 == 6]),
                np.array([t % 5 == 4]),
            )

    whole = ReplayBuffer(8, (1,), n_step=3, gamma=0.9)
    fill(whole, range(20))
    first = ReplayBuffer(8, (1,), n_step=3, gamma=0.9)
    fill(first, range(11))
    resumed = ReplayBuffer(8, (1,), n_step=3, gamma=0.9)
    resumed.load_state_dict({k: v.copy() for k, v in first.state_dict().items()})
    fill(resumed, range(11, 20))
    for name in ReplayBuffer._ARRAYS:
        np.testing.assert_array_equal(getattr(resumed, name), getattr(whole, name), err_msg=name)
    assert (resumed.pos, resumed.size) == (whole.pos, whole.size)


def test_errors_name_the_argument():
    buf = ReplayBuffer(4, (2,), num_envs=2)
    with pytest.raises(ValueError, match=r"obs must have shape \(2, 2\)"):
        buf.add(np.zeros((2,)), [0, 0], [0.0, 0.0], np.zeros((2, 2)), [False] * 2, [False] * 2)
    with pytest.raises(ValueError, match="reward must be finite"):
        buf.add(np.zeros((2, 2)), [0, 0], [np.nan, 0.0], np.zeros((2, 2)), [False] * 2, [False] * 2)
    with pytest.raises(ValueError, match="empty replay buffer"):
        buf.sample(1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="capacity must be a positive integer"):
        ReplayBuffer(0, (1,))
