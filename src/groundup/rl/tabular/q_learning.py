r"""Model-free tabular control: Q-learning (off-policy) and SARSA (on-policy).

Both learn $Q(s, a)$ from sampled transitions with an $\epsilon$-greedy behaviour
policy and a step size $\alpha$; they differ only in the action that bootstraps:

$$\text{Q-learning:}\quad Q(s, a) \leftarrow Q(s, a) + \alpha\big[r + \gamma\,(1 - \text{term})\max_{a'} Q(s', a') - Q(s, a)\big]$$
$$\text{SARSA:}\quad Q(s, a) \leftarrow Q(s, a) + \alpha\big[r + \gamma\,(1 - \text{term})\,Q(s', a') - Q(s, a)\big],\quad a' \sim \epsilon\text{-greedy}$$

Q-learning evaluates the greedy policy while behaving $\epsilon$-greedily, so on
CliffWalking it learns the optimal path along the cliff (return −13); SARSA evaluates
the policy it actually follows and learns the safer path, because exploring next to
the cliff is costly (Sutton & Barto, example 6.6). Truncation (a time limit) still
bootstraps; only ``terminated`` zeroes the future.

Works on any Gymnasium environment with discrete observation and action spaces.

>>> import gymnasium as gym
>>> env = gym.make("FrozenLake-v1", is_slippery=False)
>>> Q = q_learning(env, num_episodes=300, alpha=0.5, gamma=0.95, epsilon=0.2, seed=0)
>>> evaluate_greedy(env, Q, num_episodes=5, seed=0)
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["epsilon_greedy", "evaluate_greedy", "q_learning", "sarsa"]


def _sizes(env: Any) -> tuple[int, int]:
    s, a = env.observation_space, env.action_space
    if not (hasattr(s, "n") and hasattr(a, "n")):
        raise ValueError(
            f"tabular methods need discrete observation and action spaces, got {s} and {a}"
        )
    return int(s.n), int(a.n)


def epsilon_greedy(q_row: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """A random action with probability ``epsilon``, else a greedy one (ties broken at random)."""
    if rng.random() < epsilon:
        return int(rng.integers(len(q_row)))
    best = np.flatnonzero(q_row == q_row.max())
    return int(rng.choice(best))


def _check(alpha: float, gamma: float, epsilon: float, num_episodes: int) -> None:
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
    if num_episodes < 1:
        raise ValueError(f"num_episodes must be positive, got {num_episodes}")


def q_learning(
    env: Any,
    num_episodes: int,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon: float = 0.1,
    seed: int = 0,
    Q: np.ndarray | None = None,
) -> np.ndarray:
    r"""Off-policy TD control; returns the table $Q$ of shape ``(S, A)``.

    Parameters
    ----------
    env : gymnasium.Env with ``Discrete`` spaces
    num_episodes : int
    alpha, gamma, epsilon : float
        Step size, discount and exploration rate.
    seed : int
        Seeds the first ``env.reset`` and the exploration.
    Q : ndarray of shape ``(S, A)``, optional
        A table to continue from (it is updated in place).
    """
    _check(alpha, gamma, epsilon, num_episodes)
    S, A = _sizes(env)
    Q = np.zeros((S, A)) if Q is None else Q
    rng = np.random.default_rng(seed)
    s, _ = env.reset(seed=seed)
    for _ in range(num_episodes):
        done = False
        while not done:
            a = epsilon_greedy(Q[s], epsilon, rng)
            s2, r, terminated, truncated, _ = env.step(a)
            # BEGIN SOLUTION
            # $y = r + \gamma (1 - \text{term}) \max_{a'} Q(s', a')$
            target = r + gamma * (not terminated) * Q[s2].max()
            Q[s, a] += alpha * (target - Q[s, a])
            # END SOLUTION
            s, done = s2, terminated or truncated
        s, _ = env.reset()
    return Q


def sarsa(
    env: Any,
    num_episodes: int,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon: float = 0.1,
    seed: int = 0,
    Q: np.ndarray | None = None,
) -> np.ndarray:
    r"""On-policy TD control; the same arguments and result as :func:`q_learning`."""
    _check(alpha, gamma, epsilon, num_episodes)
    S, A = _sizes(env)
    Q = np.zeros((S, A)) if Q is None else Q
    rng = np.random.default_rng(seed)
    s, _ = env.reset(seed=seed)
    for _ in range(num_episodes):
        a = epsilon_greedy(Q[s], epsilon, rng)
        done = False
        while not done:
            s2, r, terminated, truncated, _ = env.step(a)
            a2 = epsilon_greedy(Q[s2], epsilon, rng)
            # BEGIN SOLUTION
            # $y = r + \gamma (1 - \text{term}) Q(s', a')$ with $a'$ the action taken next
            target = r + gamma * (not terminated) * Q[s2, a2]
            Q[s, a] += alpha * (target - Q[s, a])
            # END SOLUTION
            s, a, done = s2, a2, terminated or truncated
        s, _ = env.reset()
    return Q


def evaluate_greedy(env: Any, Q: np.ndarray, num_episodes: int = 100, seed: int = 0) -> float:
    """Mean return of the greedy policy $\\arg\\max_a Q(s, a)$ over ``num_episodes`` episodes."""
    total = 0.0
    s, _ = env.reset(seed=seed)
    for _ in range(num_episodes):
        done = False
        while not done:
            s, r, terminated, truncated, _ = env.step(int(Q[s].argmax()))
            total += r
            done = terminated or truncated
        s, _ = env.reset()
    return total / num_episodes
