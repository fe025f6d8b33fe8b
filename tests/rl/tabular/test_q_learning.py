"""Q-learning and SARSA on Gymnasium environments: the update rules by hand, and the
classic CliffWalking contrast (Q-learning's greedy path is optimal, -13; SARSA's is safer)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from groundup.rl.tabular import epsilon_greedy, evaluate_greedy, q_learning, sarsa


class TwoStep(gym.Env):
    """s0 --a--> s1 (reward a), s1 --any--> end (reward 10, terminated); a time limit is a wrapper."""

    observation_space = gym.spaces.Discrete(2)
    action_space = gym.spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.s = 0
        return 0, {}

    def step(self, a):
        if self.s == 0:
            self.s = 1
            return 1, float(a), False, False, {}
        return 1, 10.0, True, False, {}


def test_one_q_learning_episode_by_hand():
    # epsilon = 1: random actions; alpha = 0.5, gamma = 0.9, one episode of two updates
    Q = np.zeros((2, 2))
    Q = q_learning(TwoStep(), num_episodes=1, alpha=0.5, gamma=0.9, epsilon=1.0, seed=0, Q=Q)
    a0 = int(np.flatnonzero(Q[0])[0]) if Q[0].any() else 0
    # first update: Q(0, a0) = 0.5 * (a0 + 0.9 * max Q(1, .)) with Q(1, .) still 0
    assert Q[0, a0] == pytest.approx(0.5 * a0)
    # second update: terminal, no bootstrap: Q(1, a1) = 0.5 * 10
    assert Q[1].max() == pytest.approx(5.0)


def test_terminal_transitions_do_not_bootstrap():
    Q = np.full((2, 2), 100.0)
    Q = q_learning(TwoStep(), num_episodes=1, alpha=1.0, gamma=0.9, epsilon=0.0, seed=0, Q=Q)
    # alpha = 1: Q(1, a) = 10 exactly (a bootstrap would add 0.9 * 100)
    assert 10.0 in Q[1]


def test_truncation_bootstraps():
    Q = np.full((2, 2), 100.0)
    env = gym.wrappers.TimeLimit(TwoStep(), max_episode_steps=1)
    Q = q_learning(env, num_episodes=1, alpha=1.0, gamma=0.9, epsilon=0.0, seed=0, Q=Q)
    # the episode is cut after the first step: Q(0, a) = a + 0.9 * 100
    assert Q[0].max() >= 90.0


def test_epsilon_greedy_breaks_ties_at_random_and_explores():
    rng = np.random.default_rng(0)
    picks = [epsilon_greedy(np.array([1.0, 1.0, 0.0]), 0.0, rng) for _ in range(400)]
    assert set(picks) == {0, 1}
    explore = [epsilon_greedy(np.array([1.0, 0.0, 0.0]), 1.0, rng) for _ in range(600)]
    assert set(explore) == {0, 1, 2}


def test_cliff_walking_q_learning_is_optimal_sarsa_is_safe():
    env = gym.make("CliffWalking-v1")
    Q = q_learning(env, num_episodes=500, alpha=0.5, gamma=1.0, epsilon=0.1, seed=0)
    assert evaluate_greedy(env, Q, num_episodes=1) == -13
    Qs = sarsa(env, num_episodes=500, alpha=0.5, gamma=1.0, epsilon=0.1, seed=0)
    safe = evaluate_greedy(env, Qs, num_episodes=1)
    assert -25 <= safe < -13  # the longer path away from the cliff


def test_frozenlake_deterministic_is_solved():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    Q = q_learning(env, num_episodes=300, alpha=0.5, gamma=0.95, epsilon=0.2, seed=1)
    assert evaluate_greedy(env, Q, num_episodes=3) == 1.0


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="discrete observation and action spaces"):
        q_learning(gym.make("CartPole-v1"), num_episodes=1)
    with pytest.raises(ValueError, match="alpha must be in"):
        sarsa(gym.make("FrozenLake-v1"), num_episodes=1, alpha=0.0)
