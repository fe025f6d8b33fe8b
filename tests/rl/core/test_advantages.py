"""GAE, TD residuals and reward-to-go against naive references, across episode ends.

The reference below sums the discounted TD residuals of each step explicitly,
$\\hat A_t = \\sum_l (\\gamma\\lambda)^l \\delta_{t+l}$ up to the episode's end — a double
loop that shares nothing with the library's backward recursion.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup.rl.core import discounted_returns, gae, normalize_advantages, td_residual


def naive_gae(r, v, v_next, term, trunc, gamma, lam):
    T, N = r.shape
    adv = np.zeros((T, N))
    for n in range(N):
        for t in range(T):
            total, weight = 0.0, 1.0
            for u in range(t, T):
                bootstrap = 0.0 if term[u, n] else v_next[u, n]
                delta = r[u, n] + gamma * bootstrap - v[u, n]
                total += weight * delta
                if term[u, n] or trunc[u, n]:
                    break
                weight *= gamma * lam
            adv[t, n] = total
    return adv


def random_rollout(rng, T=12, N=3, p_end=0.25):
    r = rng.normal(size=(T, N))
    v = rng.normal(size=(T, N))
    v_next = rng.normal(size=(T, N))
    ends = rng.random((T, N)) < p_end
    term = ends & (rng.random((T, N)) < 0.5)
    trunc = ends & ~term
    return r, v, v_next, term, trunc


@pytest.mark.parametrize("gamma", [1.0, 0.99])
@pytest.mark.parametrize("lam", [1.0, 0.9, 0.0])
def test_gae_equals_the_naive_sum_across_episode_boundaries(gamma, lam):
    rng = np.random.default_rng(0)
    for _ in range(5):
        r, v, v_next, term, trunc = random_rollout(rng)
        adv, ret = gae(r, v, v_next, term, trunc, gamma=gamma, lam=lam)
        np.testing.assert_allclose(
            adv, naive_gae(r, v, v_next, term, trunc, gamma, lam), atol=1e-12
        )
        np.testing.assert_allclose(ret, adv + v, atol=1e-12)


@settings(deadline=None, max_examples=40)
@given(
    T=st.integers(1, 20),
    N=st.integers(1, 4),
    gamma=st.floats(0.0, 1.0),
    lam=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_gae_matches_reference_on_drawn_shapes(T, N, gamma, lam, seed):
    r, v, v_next, term, trunc = random_rollout(np.random.default_rng(seed), T, N)
    adv, _ = gae(r, v, v_next, term, trunc, gamma=gamma, lam=lam)
    np.testing.assert_allclose(adv, naive_gae(r, v, v_next, term, trunc, gamma, lam), atol=1e-9)


def test_lambda_zero_is_the_td_residual():
    r, v, v_next, term, trunc = random_rollout(np.random.default_rng(1))
    adv, _ = gae(r, v, v_next, term, trunc, gamma=0.9, lam=0.0)
    np.testing.assert_allclose(adv, td_residual(r, v, v_next, term, gamma=0.9), atol=1e-12)


def test_lambda_one_is_the_monte_carlo_return_minus_the_baseline():
    # one episode of 5 steps that terminates; the values are arbitrary
    r = np.array([1.0, -2.0, 0.5, 3.0, 1.0])[:, None]
    v = np.array([0.3, 0.1, -0.4, 2.0, 0.7])[:, None]
    v_next = np.vstack([v[1:], [[123.0]]])  # ignored at the terminal step
    term = np.array([0, 0, 0, 0, 1], bool)[:, None]
    gamma = 0.9
    G = np.zeros(5)
    for t in range(5):
        G[t] = sum(gamma**k * r[t + k, 0] for k in range(5 - t))
    adv, ret = gae(r, v, v_next, term, np.zeros_like(term), gamma=gamma, lam=1.0)
    np.testing.assert_allclose(adv[:, 0], G - v[:, 0], atol=1e-12)
    np.testing.assert_allclose(ret[:, 0], G, atol=1e-12)


def test_truncation_bootstraps_and_termination_does_not():
    # reward 1 forever, cut by a time limit of 8, gamma 0.98: the true value is 1/(1-γ) = 50
    gamma, T = 0.98, 8
    r = np.ones((T, 1))
    v = np.full((T, 1), 50.0)
    v_next = np.full((T, 1), 50.0)
    trunc = np.zeros((T, 1), bool)
    trunc[-1] = True
    _, ret = gae(r, v, v_next, np.zeros_like(trunc), trunc, gamma=gamma, lam=0.95)
    # with the right values, every target is the value itself: 1 + 0.98 * 50 = 50
    np.testing.assert_allclose(ret, 50.0, atol=1e-9)
    # the classic bug: the time limit taken as a termination
    _, wrong = gae(r, v, v_next, trunc, np.zeros_like(trunc), gamma=gamma, lam=0.95)
    assert abs(wrong[-1, 0] - 50.0) > 40


def test_value_learned_through_a_time_limit_is_the_infinite_horizon_value():
    """SB3's infinite-horizon test: fit V(s) of a one-state MDP with reward 1 and a time
    limit of 8 from GAE targets; bootstrapping at truncation gives V = 50 (γ = 0.98),
    while treating the limit as terminal misses by far more than 1."""
    gamma, limit = 0.98, 8

    def fit(bootstrap: bool) -> float:
        V = 0.0
        for _ in range(500):
            T = 64
            r = np.ones((T, 1))
            trunc = np.zeros((T, 1), bool)
            trunc[limit - 1 :: limit] = True
            v = np.full((T, 1), V)
            v_next = np.full((T, 1), V)
            term = np.zeros_like(trunc)
            if not bootstrap:
                term, trunc = trunc, np.zeros_like(trunc)
            _, ret = gae(r, v, v_next, term, trunc, gamma=gamma, lam=0.9)
            V += 0.5 * (ret.mean() - V)
        return V

    assert abs(fit(bootstrap=True) - 50.0) < 1.0
    assert abs(fit(bootstrap=False) - 50.0) > 1.0


def test_discounted_returns_restart_at_episode_ends_and_bootstrap_cuts():
    r = np.array([1.0, 1.0, 1.0, 1.0])[:, None]
    term = np.array([0, 1, 0, 0], bool)[:, None]
    trunc = np.zeros_like(term)
    G = discounted_returns(r, term, trunc, gamma=0.5)
    np.testing.assert_allclose(G[:, 0], [1.5, 1.0, 1.5, 1.0])
    # the rollout ends mid-episode: V(s'_3) = 4 bootstraps the last step only
    v_next = np.full((4, 1), 4.0)
    G = discounted_returns(r, term, trunc, gamma=0.5, next_values=v_next)
    np.testing.assert_allclose(G[:, 0], [1.5, 1.0, 1 + 0.5 * (1 + 0.5 * 4), 1 + 0.5 * 4])


def test_shapes_must_agree_exactly():
    r = np.ones((5, 2))
    with pytest.raises(ValueError, match=r"values has shape \(5, 1\)"):
        gae(r, np.ones((5, 1)), r, np.zeros((5, 2), bool), np.zeros((5, 2), bool))
    with pytest.raises(ValueError, match="gamma must be in"):
        gae(r, r, r, np.zeros((5, 2), bool), np.zeros((5, 2), bool), gamma=1.5)


def test_normalize_advantages():
    a = np.random.default_rng(0).normal(3.0, 2.0, size=1000)
    z = normalize_advantages(a)
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1.0) < 1e-6
    with pytest.raises(ValueError, match="at least 2"):
        normalize_advantages(np.array([1.0]))
