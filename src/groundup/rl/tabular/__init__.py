"""Tabular RL: dynamic programming on a known model, and Q-learning / SARSA from samples."""

from groundup.rl.tabular.q_learning import epsilon_greedy, evaluate_greedy, q_learning, sarsa
from groundup.rl.tabular.value_iteration import (
    finite_horizon_return,
    greedy_policy,
    policy_evaluation,
    policy_iteration,
    q_from_v,
    transition_arrays,
    value_iteration,
)

__all__ = [
    "epsilon_greedy",
    "evaluate_greedy",
    "finite_horizon_return",
    "greedy_policy",
    "policy_evaluation",
    "policy_iteration",
    "q_from_v",
    "q_learning",
    "sarsa",
    "transition_arrays",
    "value_iteration",
]
