r"""Returns and advantages: discounted returns, the TD residual and GAE($\gamma, \lambda$).

A rollout of $T$ steps from $N$ environments is stored time-major, shape ``(T, N)``.
Step $t$ of one environment is the transition $(s_t, a_t, r_t, s'_t)$; ``next_values``
holds $V(s'_t)$, the value of the state that transition *really* reached:

* inside an episode, $s'_t = s_{t+1}$, so ``next_values[t] = values[t + 1]``;
* at a **truncation** (a time limit), $s'_t$ is the final observation, which the
  episode would have continued from: its value is bootstrapped;
* at a **termination**, there is no future: the $(1 - \text{terminated}_t)$ factor
  drops $V(s'_t)$ whatever it holds.

Treating a time limit as a termination is the classic silent bug (Gymnasium's
"handling time limits"; CleanRL #198): the agent learns that the world ends every
500 steps. Here the two flags are separate arguments.

The TD residual and GAE (Schulman et al., 2016):

$$\delta_t = r_t + \gamma\,(1 - \text{terminated}_t)\,V(s'_t) - V(s_t)$$
$$\hat A_t = \delta_t + \gamma\lambda\,(1 - \text{done}_t)\,\hat A_{t+1},
\qquad \text{done}_t = \text{terminated}_t \lor \text{truncated}_t$$

$\lambda = 0$ gives the one-step TD residual $\delta_t$; $\lambda = 1$ gives the
Monte-Carlo return minus the baseline, $G_t - V(s_t)$. The value targets are
$\hat R_t = \hat A_t + V(s_t)$.

>>> import numpy as np
>>> r = np.array([[1.0], [1.0], [1.0]])            # (T=3, N=1)
>>> v = np.zeros((3, 1)); v_next = np.zeros((3, 1))
>>> term = np.array([[False], [False], [True]]); trunc = np.zeros((3, 1), bool)
>>> adv, ret = gae(r, v, v_next, term, trunc, gamma=0.5, lam=1.0)
>>> ret[:, 0]                                        # 1 + .5 + .25, 1 + .5, 1
array([1.75, 1.5 , 1.  ])
"""

from __future__ import annotations

import numpy as np

__all__ = ["discounted_returns", "gae", "normalize_advantages", "td_residual"]


def _check_rollout(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float,
    lam: float | None = None,
) -> tuple[np.ndarray, ...]:
    """The five arrays as float64/bool of one shape ``(T, ...)``, or a clear error."""
    arrays = {
        "rewards": np.asarray(rewards, dtype=np.float64),
        "values": np.asarray(values, dtype=np.float64),
        "next_values": np.asarray(next_values, dtype=np.float64),
        "terminated": np.asarray(terminated, dtype=bool),
        "truncated": np.asarray(truncated, dtype=bool),
    }
    shape = arrays["rewards"].shape
    if len(shape) < 1 or shape[0] < 1:
        raise ValueError(f"rewards must have shape (T, ...) with T >= 1, got {shape}")
    for name, a in arrays.items():
        if a.shape != shape:
            raise ValueError(
                f"{name} has shape {a.shape} but rewards has shape {shape}: every rollout "
                "array is (T, num_envs), one entry per step (a value of shape (T, 1) against "
                "rewards (T,) would broadcast silently, so it is refused)"
            )
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    if lam is not None and not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    return tuple(arrays.values())


def td_residual(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    gamma: float,
) -> np.ndarray:
    r"""One-step TD residuals $\delta_t = r_t + \gamma(1 - \text{terminated}_t)V(s'_t) - V(s_t)$.

    Parameters
    ----------
    rewards, values, next_values : ndarray of shape ``(T, ...)``
        $r_t$, $V(s_t)$ and $V(s'_t)$ (see the module docstring for what $s'_t$ is).
    terminated : bool ndarray of shape ``(T, ...)``
        Whether step $t$ ended the episode for good (not by a time limit).
    gamma : float
        Discount factor $\gamma \in [0, 1]$.

    Returns
    -------
    ndarray of shape ``(T, ...)``, float64
    """
    r, v, v_next, term, _ = _check_rollout(
        rewards, values, next_values, terminated, np.zeros_like(terminated, bool), gamma
    )
    # $\delta_t = r_t + \gamma (1 - \text{terminated}_t) V(s'_t) - V(s_t)$
    return r + gamma * (1.0 - term) * v_next - v


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float = 0.99,
    lam: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Generalised advantage estimates $\hat A_t$ and value targets $\hat R_t = \hat A_t + V(s_t)$.

    Parameters
    ----------
    rewards, values, next_values : ndarray of shape ``(T, ...)``
        $r_t$, $V(s_t)$, $V(s'_t)$. At a truncated step ``next_values`` must hold the
        value of the final observation (it is bootstrapped); at a terminated step it
        is ignored.
    terminated, truncated : bool ndarray of shape ``(T, ...)``
        Gymnasium's two end-of-episode flags for step $t$.
    gamma : float
        Discount $\gamma \in [0, 1]$.
    lam : float
        GAE's $\lambda \in [0, 1]$: 0 is the TD residual, 1 the Monte-Carlo return
        minus $V$.

    Returns
    -------
    advantages, returns : ndarray of shape ``(T, ...)``, float64
    """
    r, v, v_next, term, trunc = _check_rollout(
        rewards, values, next_values, terminated, truncated, gamma, lam
    )
    advantages = np.zeros_like(r)
    # BEGIN SOLUTION
    # $\delta_t = r_t + \gamma (1 - \text{terminated}_t) V(s'_t) - V(s_t)$
    delta = r + gamma * (1.0 - term) * v_next - v
    # the recursion stops at every episode end, terminated or truncated
    not_done = 1.0 - (term | trunc)
    running = np.zeros_like(r[0])
    for t in range(len(r) - 1, -1, -1):
        # $\hat A_t = \delta_t + \gamma \lambda (1 - \text{done}_t) \hat A_{t+1}$
        running = delta[t] + gamma * lam * not_done[t] * running
        advantages[t] = running
    # END SOLUTION
    return advantages, advantages + v


def discounted_returns(
    rewards: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float,
    next_values: np.ndarray | None = None,
) -> np.ndarray:
    r"""Reward-to-go $G_t = r_t + \gamma\,G_{t+1}$, restarted at every episode end.

    REINFORCE's return. Where an episode was cut by a time limit (or the rollout
    ends mid-episode), ``next_values`` — $V(s'_t)$ — bootstraps the tail; without it
    the tail counts as 0, which is exact only for terminated episodes.

    Parameters
    ----------
    rewards : ndarray of shape ``(T, ...)``
    terminated, truncated : bool ndarray of shape ``(T, ...)``
    gamma : float
    next_values : ndarray of shape ``(T, ...)``, optional
        Used at truncated steps and at the last step of the rollout.

    Returns
    -------
    ndarray of shape ``(T, ...)``, float64
    """
    r = np.asarray(rewards, dtype=np.float64)
    trunc = np.asarray(truncated, dtype=bool)
    tail = np.zeros_like(r)
    if next_values is not None:
        v_next = np.asarray(next_values, dtype=np.float64)
        if v_next.shape != r.shape:
            raise ValueError(
                f"next_values has shape {v_next.shape} but rewards has shape {r.shape}"
            )
        # only where the episode was cut: at a truncation, and at the rollout's last step
        cut = trunc.copy()
        cut[-1] = True
        tail = np.where(cut, v_next, 0.0)
    # $G_t = r_t + \gamma G_{t+1}$: GAE with $V \equiv 0$ and $\lambda = 1$, where the
    # only value left is the bootstrapped tail $V(s'_t)$ of a cut episode
    _, returns = gae(r, np.zeros_like(r), tail, terminated, trunc, gamma=gamma, lam=1.0)
    return returns


def normalize_advantages(advantages: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    r"""Whitened advantages $(\hat A - \text{mean}) / (\text{std} + \epsilon)$ (PPO, per minibatch).

    >>> normalize_advantages(np.array([1.0, 2.0, 3.0])).round(4)
    array([-1.2247,  0.    ,  1.2247])
    """
    a = np.asarray(advantages, dtype=np.float64)
    if a.size < 2:
        raise ValueError(
            f"normalize_advantages needs at least 2 advantages to estimate a std, got shape {a.shape}"
        )
    return (a - a.mean()) / (a.std() + eps)
