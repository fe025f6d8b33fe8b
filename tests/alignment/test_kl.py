"""KL estimators and the exact per-token KL: hand values, the PyTorch twin, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.alignment.kl import exact_kl, kl_estimators, kl_k1, kl_k2, kl_k3
from groundup.foundations.gradient_check import gradient_check
from tests.alignment import twins
from tests.helpers import assert_close


def test_hand_values():
    # pi_theta(x) = 1/2, 1/4, 1/8; pi_ref(x) = 1/4, 1/4, 1/2 -> r = 1/2, 1, 4
    logp = np.log([[0.5, 0.25, 0.125]])
    ref = np.log([[0.25, 0.25, 0.5]])
    ln2 = np.log(2)
    assert_close(kl_k1(logp, ref), [[ln2, 0.0, -2 * ln2]])
    assert_close(kl_k2(logp, ref), [[0.5 * ln2**2, 0.0, 0.5 * (2 * ln2) ** 2]])
    # (r - 1) - log r
    assert_close(kl_k3(logp, ref), [[-0.5 + ln2, 0.0, 3.0 - 2 * ln2]])


def test_exact_kl_hand_value():
    # KL([.5, .5] || [.25, .75]) = .5 log 2 + .5 log(2/3)
    z = np.log([[[0.5, 0.5]]])
    z_ref = np.log([[[0.25, 0.75]]]) + 3.0  # a shift of the logits changes nothing
    assert_close(exact_kl(z, z_ref), [[0.5 * np.log(2) + 0.5 * np.log(2 / 3)]])


@settings(deadline=None, max_examples=25)
@given(B=st.integers(1, 3), L=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_estimators_match_torch_values_and_gradients(B, L, seed):
    rng = np.random.default_rng(seed)
    logp0, ref = -rng.random((B, L)) * 3, -rng.random((B, L)) * 3
    for ours, theirs in ((kl_k1, twins.k1), (kl_k2, twins.k2), (kl_k3, twins.k3)):
        x = Tensor(logp0.copy(), requires_grad=True)
        out = ours(x, ref)
        w = rng.standard_normal((B, L))
        (out * w).sum().backward()
        xt = twins.t(logp0, grad=True)
        o = theirs(xt, twins.t(ref))
        (o * twins.t(w)).sum().backward()
        assert_close(out, o)
        assert_close(x.grad, xt.grad)


@settings(deadline=None, max_examples=20)
@given(B=st.integers(1, 3), L=st.integers(1, 4), V=st.integers(2, 7), seed=st.integers(0, 10_000))
def test_exact_kl_matches_torch(B, L, V, seed):
    rng = np.random.default_rng(seed)
    z0, zr0 = rng.standard_normal((B, L, V)) * 2, rng.standard_normal((B, L, V)) * 2
    z, zr = Tensor(z0.copy(), requires_grad=True), Tensor(zr0.copy(), requires_grad=True)
    w = rng.standard_normal((B, L))
    out = exact_kl(z, zr)
    (out * w).sum().backward()
    zt, zrt = twins.t(z0, True), twins.t(zr0, True)
    o = twins.exact_kl(zt, zrt)
    (o * twins.t(w)).sum().backward()
    assert_close(out, o)
    assert_close(z.grad, zt.grad)
    assert_close(zr.grad, zrt.grad)


def test_finite_differences():
    rng = np.random.default_rng(0)
    z = Tensor(rng.standard_normal((2, 3, 5)), requires_grad=True)
    zr = Tensor(rng.standard_normal((2, 3, 5)), requires_grad=True)
    assert gradient_check(exact_kl, [z, zr]).passed
    logp = Tensor(-rng.random((2, 3)) - 0.1, requires_grad=True)
    ref = Tensor(-rng.random((2, 3)) - 0.1, requires_grad=True)
    for fn in (kl_k1, kl_k2, kl_k3):
        assert gradient_check(fn, [logp, ref]).passed


def test_k3_is_never_negative():
    rng = np.random.default_rng(1)
    logp, ref = rng.normal(size=(50, 50)) * 5, rng.normal(size=(50, 50)) * 5
    assert (kl_k3(logp, ref).numpy() >= 0).all()
    assert (kl_k1(logp, ref).numpy() < 0).any()  # k1 is not


def test_k1_and_k3_are_unbiased_on_a_65_way_vocabulary_and_k2_is_not():
    """Sample x ~ pi_theta; the mean of k1 and k3 lies within 4 standard errors of the exact KL."""
    rng = np.random.default_rng(0)
    V, n = 65, 200_000
    z = rng.standard_normal(V) * 1.5
    z_ref = z + rng.standard_normal(V) * 1.2  # KL about 0.5: k2's bias is ~25%
    logp = z - np.logaddexp.reduce(z)
    logq = z_ref - np.logaddexp.reduce(z_ref)
    exact = float(exact_kl(z[None, None], z_ref[None, None]).item())
    assert_close(exact, np.sum(np.exp(logp) * (logp - logq)))
    x = rng.choice(V, size=n, p=np.exp(logp))
    lp, lq = logp[x][None], logq[x][None]
    for fn, unbiased in ((kl_k1, True), (kl_k3, True), (kl_k2, False)):
        s = fn(lp, lq).numpy().ravel()
        se = s.std() / np.sqrt(n)
        assert (abs(s.mean() - exact) < 4 * se) == unbiased, (fn.__name__, s.mean(), exact, se)
    # k3's variance is the lower one (Schulman's point)
    assert kl_k3(lp, lq).numpy().var() < kl_k1(lp, lq).numpy().var()


def test_kl_estimators_mask_and_shape_errors():
    logp = np.log([[0.5, 0.25]])
    ref = np.log([[0.25, 0.99]])
    stats = kl_estimators(logp, ref, np.array([[1.0, 0.0]]))
    assert_close(stats["kl_k1"], np.log(2))
    with pytest.raises(ValueError, match="ref_logprobs has shape"):
        kl_k1(np.zeros((1, 2)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="ref_logits"):
        exact_kl(np.zeros((1, 2, 3)), np.zeros((1, 2, 4)))
