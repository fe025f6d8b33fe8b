"""Action distributions against torch.distributions: log-probabilities, entropies,
reparameterised samples and their gradients, on fixed and on drawn shapes; float64
finite differences for the squashed Gaussian's log-determinant."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from groundup.rl.core import Categorical, DiagGaussian, TanhGaussian

td = torch.distributions


def t64(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


@settings(deadline=None, max_examples=30)
@given(B=st.integers(1, 6), K=st.integers(2, 7), seed=st.integers(0, 2**16))
def test_categorical_log_prob_and_entropy_match_torch(B, K, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(B, K))
    actions = rng.integers(0, K, size=B)
    g = Tensor(logits, requires_grad=True)
    d = Categorical(g)
    tl = t64(logits)
    ref = td.Categorical(logits=tl)
    lp, ent = d.log_prob(actions), d.entropy()
    tlp, tent = ref.log_prob(torch.tensor(actions)), ref.entropy()
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ent.detach().numpy(), tent.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = rng.normal(size=B)
    ((lp * Tensor(w)).sum() + ent.sum()).backward()
    ((tlp * torch.tensor(w)).sum() + tent.sum()).backward()
    np.testing.assert_allclose(
        g.grad.detach().numpy(), tl.grad.detach().numpy(), rtol=1e-10, atol=1e-12
    )


def test_categorical_sampling_frequencies():
    p = np.array([0.1, 0.6, 0.3])
    d = Categorical(Tensor(np.log(np.tile(p, (20000, 1)))))
    a = d.sample(np.random.default_rng(0))
    freq = np.bincount(a, minlength=3) / len(a)
    np.testing.assert_allclose(freq, p, atol=0.015)
    assert d.mode()[0] == 1


def test_categorical_rejects_bad_actions():
    d = Categorical(Tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"actions must have shape \(2,\)"):
        d.log_prob(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"integers in \[0, 3\)"):
        d.log_prob(np.array([0, 3]))


@settings(deadline=None, max_examples=30)
@given(B=st.integers(1, 5), D=st.integers(1, 4), shared=st.booleans(), seed=st.integers(0, 2**16))
def test_diag_gaussian_matches_torch_independent_normal(B, D, shared, seed):
    rng = np.random.default_rng(seed)
    mean, a = rng.normal(size=(B, D)), rng.normal(size=(B, D))
    log_std = rng.normal(scale=0.5, size=(D,) if shared else (B, D))
    gm, gs = Tensor(mean, requires_grad=True), Tensor(log_std, requires_grad=True)
    tm, ts = t64(mean), t64(log_std)
    d = DiagGaussian(gm, gs)
    ref = td.Independent(td.Normal(tm, ts.exp()), 1)
    lp, tlp = d.log_prob(a), ref.log_prob(torch.tensor(a))
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-12)
    ent, tent = d.entropy(), ref.entropy()
    np.testing.assert_allclose(ent.detach().numpy(), tent.detach().numpy(), rtol=1e-12)
    (lp.sum() + ent.sum()).backward()
    (tlp.sum() + tent.sum()).backward()
    np.testing.assert_allclose(
        gm.grad.detach().numpy(), tm.grad.detach().numpy(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(
        gs.grad.detach().numpy(), ts.grad.detach().numpy(), rtol=1e-10, atol=1e-12
    )


def test_diag_gaussian_rsample_is_reparameterised_like_torch():
    rng = np.random.default_rng(0)
    mean, log_std = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    gm, gs = Tensor(mean, requires_grad=True), Tensor(log_std, requires_grad=True)
    x = DiagGaussian(gm, gs).rsample(np.random.default_rng(7))
    eps = np.random.default_rng(7).standard_normal((4, 2))
    tm, ts = t64(mean), t64(log_std)
    tx = tm + ts.exp() * torch.tensor(eps)
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-12)
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    np.testing.assert_allclose(gm.grad.detach().numpy(), tm.grad.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gs.grad.detach().numpy(), ts.grad.detach().numpy(), rtol=1e-10)


def torch_squashed(tm, ts, low, high):
    scale = torch.tensor((high - low) / 2)
    bias = torch.tensor((high + low) / 2)
    return td.TransformedDistribution(
        td.Independent(td.Normal(tm, ts.exp()), 1),
        [td.TanhTransform(cache_size=1), td.AffineTransform(bias, scale, event_dim=1)],
    )


@pytest.mark.parametrize(
    "low,high", [(-1.0, 1.0), (-2.0, 2.0), (np.array([-1.0, 0.0]), np.array([3.0, 0.5]))]
)
def test_tanh_gaussian_log_prob_of_its_own_sample_matches_torch(low, high):
    rng = np.random.default_rng(1)
    mean, log_std = rng.normal(size=(5, 2)), rng.normal(scale=0.3, size=(5, 2))
    low2 = np.broadcast_to(np.asarray(low, float), (2,))
    high2 = np.broadcast_to(np.asarray(high, float), (2,))
    gm, gs = Tensor(mean, requires_grad=True), Tensor(log_std, requires_grad=True)
    action, logp = TanhGaussian(gm, gs, low2, high2).rsample(np.random.default_rng(3))
    eps = np.random.default_rng(3).standard_normal((5, 2))
    tm, ts = t64(mean), t64(log_std)
    u = tm + ts.exp() * torch.tensor(eps)
    ref = torch_squashed(tm, ts, low2, high2)
    ta = ref.transforms[1](ref.transforms[0](u))
    tlogp = ref.log_prob(ta)
    np.testing.assert_allclose(action.detach().numpy(), ta.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(logp.detach().numpy(), tlogp.detach().numpy(), rtol=1e-9, atol=1e-9)
    (logp.sum() + action.sum()).backward()
    (tlogp.sum() + ta.sum()).backward()
    np.testing.assert_allclose(
        gm.grad.detach().numpy(), tm.grad.detach().numpy(), rtol=1e-8, atol=1e-10
    )
    np.testing.assert_allclose(
        gs.grad.detach().numpy(), ts.grad.detach().numpy(), rtol=1e-8, atol=1e-10
    )
    # given actions (from a buffer): inverted through atanh, same log-probability
    again = TanhGaussian(Tensor(mean), Tensor(log_std), low2, high2).log_prob(
        action.detach().numpy()
    )
    np.testing.assert_allclose(again.detach().numpy(), tlogp.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_tanh_log_det_is_finite_where_tanh_saturates():
    # u = 30: tanh(u) rounds to 1 and log(1 - tanh^2) would be -inf
    d = TanhGaussian(Tensor(np.array([[30.0]])), Tensor(np.array([[0.0]])))
    u = Tensor(np.array([[30.0]]), requires_grad=True)
    val = d._log_det(u)
    assert np.isfinite(val.detach().numpy()).all()
    np.testing.assert_allclose(val.detach().numpy(), [2 * (np.log(2) - 30 - np.log1p(np.exp(-60)))])


def test_tanh_log_det_gradient_by_finite_differences():
    d = TanhGaussian(Tensor(np.zeros((3, 2))), Tensor(np.zeros((3, 2))), -2.0, 2.0)
    u = Tensor(np.random.default_rng(0).normal(size=(3, 2)), requires_grad=True)
    assert gradient_check(lambda x: d._log_det(x), [u]).passed


def test_squashed_mode_and_bounds():
    d = TanhGaussian(Tensor(np.array([[0.0, 100.0]])), Tensor(np.zeros((1, 2))), -2.0, 2.0)
    np.testing.assert_allclose(d.mode(), [[0.0, 2.0]])
    a = d.sample(np.random.default_rng(0))
    assert np.all(np.abs(a) <= 2.0)
    with pytest.raises(ValueError, match="need high > low"):
        TanhGaussian(Tensor(np.zeros((1, 1))), Tensor(np.zeros((1, 1))), 1.0, 1.0)
