"""PPO-RLHF: per-token rewards, token GAE (lambda = 1 and 0), whitening, clipped losses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.alignment.ppo_rlhf import (
    masked_whiten,
    per_token_rewards,
    ppo_clip_loss,
    ppo_value_loss,
    token_gae,
)
from groundup.foundations.gradient_check import gradient_check
from tests.alignment import twins
from tests.helpers import assert_close

MASK = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])


def test_per_token_rewards_hand_values():
    logp = np.log([[0.5, 0.5, 0.5, 0.9], [0.25, 0.5, 0.9, 0.9]])
    ref = np.log([[0.25, 0.5, 0.5, 0.1], [0.5, 0.5, 0.1, 0.1]])
    r = per_token_rewards(logp, ref, np.array([3.0, -1.0]), MASK, kl_coef=0.1)
    ln2 = np.log(2)
    # k1 = log pi - log pi_ref; the score lands on the last unmasked token
    assert_close(r, [[-0.1 * ln2, 0.0, 3.0, 0.0], [0.1 * ln2, -1.0, 0.0, 0.0]])
    r3 = per_token_rewards(logp, ref, np.array([0.0, 0.0]), MASK, kl_coef=1.0, kl_estimator="k3")
    assert_close(r3[0, 0], -(0.5 - 1 + ln2))
    with pytest.raises(ValueError, match="kl_estimator"):
        per_token_rewards(logp, ref, np.zeros(2), MASK, kl_estimator="k2")


def test_gae_lambda_one_is_the_return_minus_v_and_lambda_zero_the_td_residual():
    rng = np.random.default_rng(0)
    r, v = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    gamma = 0.9
    adv1, ret1 = token_gae(r, v, MASK, gamma=gamma, lam=1.0)
    adv0, _ = token_gae(r, v, MASK, gamma=gamma, lam=0.0)
    for i, n in enumerate(MASK.sum(1).astype(int)):
        for t in range(n):
            G = sum(gamma ** (u - t) * r[i, u] for u in range(t, n))
            assert_close(adv1[i, t], G - v[i, t])
            v_next = v[i, t + 1] if t + 1 < n else 0.0
            assert_close(adv0[i, t], r[i, t] + gamma * v_next - v[i, t])
        assert np.all(adv1[i, n:] == 0) and np.all(ret1[i, n:] == 0)
    assert_close(ret1, (adv1 + v) * MASK)


def test_masked_whiten_matches_the_unbiased_formula():
    x = np.array([[1.0, 2.0, 4.0, 100.0], [3.0, 5.0, -50.0, 7.0]])
    w = masked_whiten(x, MASK)
    vals = np.array([1.0, 2.0, 4.0, 3.0, 5.0])
    assert_close(w[MASK > 0], (vals - vals.mean()) / np.sqrt(vals.var(ddof=1) + 1e-8))
    assert np.all(w[MASK == 0] == 0)


def test_clip_loss_hand_value():
    # rho = 1.5 (A = 1, clipped at 1.2) and rho = 0.5 (A = -1, clipped at 0.8)
    old = np.zeros((1, 2))
    x = Tensor(np.log([[1.5, 0.5]]), requires_grad=True)
    loss, stats = ppo_clip_loss(x, old, np.array([[1.0, -1.0]]), np.ones((1, 2)), cliprange=0.2)
    assert_close(loss.item(), (-1.2 + 0.8) / 2)
    loss.backward()
    assert_close(x.grad, [[0.0, 0.0]])
    assert stats["clipfrac"] == 1.0


def test_value_loss_hand_value():
    # V_old = 0, eps = 0.2; V = 1 (clipped to .2), R = 2: max(1, 3.24) = 3.24, no gradient
    # V = -0.1 (inside), R = 1: max(1.21, 1.21) = 1.21, gradient (V - R)
    v = Tensor(np.array([[1.0, -0.1]]), requires_grad=True)
    loss = ppo_value_loss(v, np.zeros((1, 2)), np.array([[2.0, 1.0]]), np.ones((1, 2)), 0.2)
    assert_close(loss.item(), 0.5 * (3.24 + 1.21) / 2)
    loss.backward()
    assert_close(v.grad, [[0.0, 0.5 * 2 * (-1.1) / 2]])


@settings(deadline=None, max_examples=25)
@given(B=st.integers(1, 3), L=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_losses_match_the_torch_twin(B, L, seed):
    rng = np.random.default_rng(seed)
    mask = (rng.random((B, L)) < 0.8).astype(float)
    mask[0, 0] = 1.0
    old = -rng.random((B, L)) - 0.1
    lp0 = old + rng.normal(size=(B, L)) * 0.3
    adv = rng.normal(size=(B, L))
    x = Tensor(lp0.copy(), requires_grad=True)
    loss, _ = ppo_clip_loss(x, old, adv, mask)
    loss.backward()
    xt = twins.t(lp0, True)
    e = twins.ppo_clip(xt, twins.t(old), twins.t(adv), twins.t(mask))
    e.backward()
    assert_close(loss.item(), e.item())
    assert_close(x.grad, xt.grad)
    v_old, ret = rng.normal(size=(B, L)), rng.normal(size=(B, L))
    v0 = v_old + rng.normal(size=(B, L)) * 0.3
    v = Tensor(v0.copy(), requires_grad=True)
    loss = ppo_value_loss(v, v_old, ret, mask)
    loss.backward()
    vt = twins.t(v0, True)
    e = twins.ppo_value(vt, twins.t(v_old), twins.t(ret), twins.t(mask))
    e.backward()
    assert_close(loss.item(), e.item())
    assert_close(v.grad, vt.grad)


def test_finite_differences():
    rng = np.random.default_rng(4)
    old = -rng.random((2, 4)) - 0.1
    adv = rng.normal(size=(2, 4))
    x = Tensor(old + rng.normal(size=(2, 4)) * 0.05, requires_grad=True)
    assert gradient_check(lambda a: ppo_clip_loss(a, old, adv, MASK)[0], [x]).passed
    v_old, ret = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    v = Tensor(v_old + rng.normal(size=(2, 4)) * 0.05, requires_grad=True)
    assert gradient_check(lambda a: ppo_value_loss(a, v_old, ret, MASK), [v]).passed
