r"""Dynamic programming on a known MDP: policy evaluation, value iteration, policy iteration.

When the transition model $p(s', r \mid s, a)$ is known — Gymnasium's toy-text
environments (FrozenLake, CliffWalking, Taxi) publish it as ``env.unwrapped.P`` —
the Bellman equations can be solved directly, without sampling:

$$V^\pi(s) = \sum_a \pi(a \mid s) \sum_{s'} p(s' \mid s, a)\,\big[r(s, a, s') + \gamma\,(1 - d_{s'})\,V^\pi(s')\big]$$
$$V^*(s) = \max_a \sum_{s'} p(s' \mid s, a)\,\big[r(s, a, s') + \gamma\,(1 - d_{s'})\,V^*(s')\big]$$

where $d_{s'} = 1$ if the transition ends the episode (nothing is earned after it).
Value iteration applies the optimality backup until $\max_s |V_{k+1}(s) - V_k(s)| < \theta$;
policy iteration alternates exact evaluation (a linear solve) with greedy improvement
and stops when the policy no longer changes — in finitely many steps.

The model is held as dense arrays: ``P[s, a, s']`` probabilities, ``R[s, a, s']``
rewards and ``D[s, a, s']`` episode ends (:func:`transition_arrays`).

>>> import gymnasium as gym
>>> env = gym.make("FrozenLake-v1", is_slippery=False)
>>> V, policy = value_iteration(*transition_arrays(env), gamma=0.9)
>>> policy.reshape(4, 4)            # 0 left, 1 down, 2 right, 3 up
array([[1, 2, 1, 0],
       [1, 0, 1, 0],
       [2, 1, 1, 0],
       [0, 2, 2, 0]])
>>> round(float(V[0]), 4)           # 0.9**5: six steps to the goal, reward 1 on the last
0.5905
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "finite_horizon_return",
    "greedy_policy",
    "policy_evaluation",
    "policy_iteration",
    "q_from_v",
    "transition_arrays",
    "value_iteration",
]


def transition_arrays(env: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P, R, D)`` arrays of shape ``(S, A, S)`` from a Gymnasium env's ``unwrapped.P``.

    ``P[s][a]`` in Gymnasium's toy-text envs is a list of ``(prob, next_state, reward,
    terminated)``; outcomes that share a next state are summed (their rewards must agree).
    """
    model = getattr(getattr(env, "unwrapped", env), "P", None)
    space_s, space_a = env.observation_space, env.action_space
    if model is None:
        raise ValueError(
            f"{type(getattr(env, 'unwrapped', env)).__name__} has no transition model "
            "(env.unwrapped.P): use a model-free method such as q_learning instead"
        )
    if not (hasattr(space_s, "n") and hasattr(space_a, "n")):
        raise ValueError(
            f"dynamic programming needs discrete observation and action spaces, got "
            f"{space_s} and {space_a}"
        )
    S, A = int(space_s.n), int(space_a.n)
    P = np.zeros((S, A, S))
    R = np.zeros((S, A, S))
    D = np.zeros((S, A, S), dtype=bool)
    for s in range(S):
        for a in range(A):
            for prob, s2, reward, done in model[s][a]:
                P[s, a, s2] += prob
                R[s, a, s2] = reward
                D[s, a, s2] = done
    if not np.allclose(P.sum(-1), 1.0):
        raise ValueError("the transition model's probabilities do not sum to 1 for every (s, a)")
    return P, R, D


def q_from_v(
    P: np.ndarray, R: np.ndarray, D: np.ndarray, V: np.ndarray, gamma: float
) -> np.ndarray:
    r"""$Q(s, a) = \sum_{s'} p(s' \mid s, a)\,[r + \gamma (1 - d)\,V(s')]$, shape ``(S, A)``."""
    # BEGIN SOLUTION
    return (P * (R + gamma * (1.0 - D) * V[None, None, :])).sum(-1)
    # END SOLUTION


def greedy_policy(Q: np.ndarray) -> np.ndarray:
    """$\\pi(s) = \\arg\\max_a Q(s, a)$ (the first maximiser on ties), shape ``(S,)``."""
    return Q.argmax(-1)


def _check_gamma(gamma: float) -> None:
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")


def value_iteration(
    P: np.ndarray,
    R: np.ndarray,
    D: np.ndarray,
    gamma: float = 0.99,
    theta: float = 1e-10,
    max_iterations: int = 100_000,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Optimal values $V^*$ and a greedy optimal policy, by repeated Bellman optimality backups.

    Parameters
    ----------
    P, R, D : ndarray of shape ``(S, A, S)``
        Probabilities, rewards and episode ends (see :func:`transition_arrays`).
    gamma : float
        Discount $\gamma \in [0, 1]$ (with $\gamma = 1$ every policy must end episodes).
    theta : float
        Stop when $\max_s |V_{k+1}(s) - V_k(s)| < \theta$.

    Returns
    -------
    V : ndarray of shape ``(S,)``
    policy : int ndarray of shape ``(S,)``
    """
    _check_gamma(gamma)
    V = np.zeros(P.shape[0])
    for _ in range(max_iterations):
        # BEGIN SOLUTION
        # $V_{k+1}(s) = \max_a Q_k(s, a)$
        V_new = q_from_v(P, R, D, V, gamma).max(-1)
        converged = np.max(np.abs(V_new - V)) < theta
        V = V_new
        if converged:
            break
        # END SOLUTION
    else:
        raise RuntimeError(f"value iteration did not converge in {max_iterations} iterations")
    return V, greedy_policy(q_from_v(P, R, D, V, gamma))


def policy_evaluation(
    P: np.ndarray, R: np.ndarray, D: np.ndarray, policy: np.ndarray, gamma: float
) -> np.ndarray:
    r"""$V^\pi$ exactly, by solving the linear system $(I - \gamma P_\pi^{\text{cont}})V = r_\pi$.

    $P_\pi^{\text{cont}}(s, s') = p(s' \mid s, \pi(s))\,(1 - d)$ keeps only transitions that
    continue the episode; $r_\pi(s) = \sum_{s'} p\,r$. With $\gamma = 1$ the system is
    singular if the policy never ends an episode from some state.
    """
    _check_gamma(gamma)
    S = P.shape[0]
    idx = np.arange(S)
    P_pi, R_pi, D_pi = P[idx, policy], R[idx, policy], D[idx, policy]  # (S, S) each
    r_pi = (P_pi * R_pi).sum(-1)
    A = np.eye(S) - gamma * P_pi * (1.0 - D_pi)
    try:
        return np.linalg.solve(A, r_pi)
    except np.linalg.LinAlgError:
        raise ValueError(
            "policy evaluation is singular: with gamma = 1 this policy never ends an "
            "episode from some state; use gamma < 1"
        ) from None


def policy_iteration(
    P: np.ndarray, R: np.ndarray, D: np.ndarray, gamma: float = 0.99, max_iterations: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal values and policy by alternating exact evaluation and greedy improvement."""
    policy = np.zeros(P.shape[0], dtype=np.int64)
    for _ in range(max_iterations):
        V = policy_evaluation(P, R, D, policy, gamma)
        Q = q_from_v(P, R, D, V, gamma)
        # improve only where another action is strictly better, so ties cannot cycle
        better = Q.max(-1) > Q[np.arange(len(policy)), policy] + 1e-12
        if not better.any():
            return V, policy
        policy = np.where(better, greedy_policy(Q), policy)
    raise RuntimeError(f"policy iteration did not converge in {max_iterations} iterations")


def finite_horizon_return(
    P: np.ndarray, R: np.ndarray, D: np.ndarray, policy: np.ndarray, start: int, horizon: int
) -> float:
    r"""The exact expected undiscounted return of ``policy`` from ``start`` within ``horizon`` steps.

    Propagates the probability of still being in the episode: $p_{k+1} = p_k P_\pi^{\text{cont}}$,
    collecting $p_k\,r_\pi$ each step. On FrozenLake (reward 1 at the goal only) it is the
    success probability under Gymnasium's time limit — what simulated episodes estimate.
    """
    S = P.shape[0]
    idx = np.arange(S)
    P_pi, R_pi, D_pi = P[idx, policy], R[idx, policy], D[idx, policy]
    r_pi = (P_pi * R_pi).sum(-1)
    alive = np.zeros(S)
    alive[start] = 1.0
    total = 0.0
    for _ in range(horizon):
        total += float(alive @ r_pi)
        alive = alive @ (P_pi * (1.0 - D_pi))
    return total
