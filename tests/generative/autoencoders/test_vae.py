"""VAE: KL against the closed form and torch.distributions, reparameterised gradients and
Gaussian likelihood against PyTorch, float64 finite differences, a tiny VAE that learns."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.generative.autoencoders.vae import VAE, gaussian_kl, gaussian_nll, reparameterize


def _draw(seed: int, B: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(B, d)), rng.normal(scale=1.5, size=(B, d))


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 8))
def test_kl_equals_closed_form_and_torch(seed: int, B: int, d: int) -> None:
    mu, logvar = _draw(seed, B, d)
    ours = gaussian_kl(Tensor(mu), Tensor(logvar)).data
    # closed form written out per dimension
    var = np.exp(logvar)
    closed = 0.5 * (var + mu**2 - 1 - logvar).sum(axis=1)
    q = torch.distributions.Normal(torch.tensor(mu), torch.tensor(np.exp(0.5 * logvar)))
    p = torch.distributions.Normal(
        torch.zeros(B, d, dtype=torch.float64), torch.ones(B, d, dtype=torch.float64)
    )
    theirs = torch.distributions.kl_divergence(q, p).sum(dim=1).numpy()
    np.testing.assert_allclose(ours, closed, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 6))
def test_reparameterised_elbo_gradient_matches_pytorch(seed: int, B: int, d: int) -> None:
    """d/d(mu, logvar) of KL + a loss of z = mu + sigma * eps, against torch autograd."""
    mu, logvar = _draw(seed, B, d)
    eps = np.random.default_rng(seed + 1).normal(size=(B, d))
    w = np.random.default_rng(seed + 2).normal(size=(B, d))
    m, lv = Tensor(mu, requires_grad=True), Tensor(logvar, requires_grad=True)
    z = reparameterize(m, lv, eps)
    loss = (z * Tensor(w)).sum() + (z * z).sum() + gaussian_kl(m, lv).sum()
    loss.backward()
    tm = torch.tensor(mu, requires_grad=True)
    tl = torch.tensor(logvar, requires_grad=True)
    tz = tm + torch.exp(0.5 * tl) * torch.tensor(eps)
    kl = torch.distributions.kl_divergence(
        torch.distributions.Normal(tm, torch.exp(0.5 * tl)), torch.distributions.Normal(0.0, 1.0)
    )
    tloss = (tz * torch.tensor(w)).sum() + (tz * tz).sum() + kl.sum()
    tloss.backward()
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-12)
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
    np.testing.assert_allclose(m.grad.data, tm.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lv.grad.data, tl.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_reparameterised_gradient_by_hand() -> None:
    """dz/dmu = 1 and dz/dlogvar = eps * sigma / 2: the noise is outside the gradient path."""
    mu, logvar, eps = (
        Tensor([[0.3]], requires_grad=True),
        Tensor([[math.log(4.0)]], requires_grad=True),
        [[1.5]],
    )
    reparameterize(mu, logvar, eps).sum().backward()
    assert mu.grad.item() == 1.0 and logvar.grad.item() == pytest.approx(1.5 * 2.0 / 2)


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 7))
def test_gaussian_nll_matches_torch(seed: int, B: int, D: int) -> None:
    rng = np.random.default_rng(seed)
    mean, x, log_sigma = rng.normal(size=(B, D)), rng.normal(size=(B, D)), rng.normal(size=D) * 0.5
    m, ls = Tensor(mean, requires_grad=True), Tensor(log_sigma, requires_grad=True)
    ours = gaussian_nll(m, ls, x)
    ours.sum().backward()
    tm, tls = torch.tensor(mean, requires_grad=True), torch.tensor(log_sigma, requires_grad=True)
    theirs = -torch.distributions.Normal(tm, tls.exp()).log_prob(torch.tensor(x)).sum(1)
    theirs.sum().backward()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.grad.data, tm.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ls.grad.data, tls.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_elbo_finite_differences_float64() -> None:
    """The whole negative ELBO of a small VAE (fixed eps) against central differences."""
    vae = VAE(in_features=6, hidden=5, latent_dim=2, generator=np.random.default_rng(0))
    for p in vae.parameters():
        p.data = p.data.astype(np.float64)
    x = np.random.default_rng(1).random((3, 6))
    loss = vae.elbo(x.astype(np.float64), generator=np.random.default_rng(7)).loss
    vae.zero_grad()
    loss.backward()
    h = 1e-6
    for name, p in vae.named_parameters():
        analytic = p.grad.data.copy()
        for idx in [(0,) * p.ndim, tuple(s - 1 for s in p.shape)]:
            old = p.data[idx]
            p.data[idx] = old + h
            up = vae.elbo(x, generator=np.random.default_rng(7)).loss.item()
            p.data[idx] = old - h
            down = vae.elbo(x, generator=np.random.default_rng(7)).loss.item()
            p.data[idx] = old
            assert analytic[idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7), name


def test_elbo_terms_add_up_and_beta_weighs_kl() -> None:
    vae = VAE(hidden=16, latent_dim=3, generator=np.random.default_rng(0))
    x = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    out = vae.elbo(x, generator=np.random.default_rng(2))
    assert out.loss.item() == pytest.approx(
        (out.reconstruction.data + out.kl.data).mean(), rel=1e-6
    )
    beta = vae.elbo(x, generator=np.random.default_rng(2), beta=0.5)
    assert beta.loss.item() == pytest.approx(
        (out.reconstruction.data + 0.5 * out.kl.data).mean(), rel=1e-6
    )
    assert (out.kl.data >= 0).all()


def test_gaussian_decoder_learns_sigma() -> None:
    vae = VAE(
        in_features=4,
        hidden=8,
        latent_dim=2,
        decoder="gaussian",
        generator=np.random.default_rng(0),
    )
    assert vae.log_sigma.shape == (4,)
    out = vae.elbo(np.zeros((2, 4), dtype=np.float32), generator=np.random.default_rng(0))
    out.loss.backward()
    assert np.abs(vae.log_sigma.grad.data).sum() > 0
    with pytest.raises(ValueError, match="decoder must be one of"):
        VAE(decoder="poisson")


def test_a_tiny_vae_learns_two_patterns() -> None:
    """Two 16-pixel patterns: the negative ELBO falls well below its start, KL stays > 0."""
    from groundup import optim

    patterns = np.array([[1.0] * 8 + [0.0] * 8, [0.0] * 8 + [1.0] * 8], dtype=np.float32)
    vae = VAE(in_features=16, hidden=32, latent_dim=2, generator=np.random.default_rng(0))
    opt = optim.Adam(vae.parameters(), lr=1e-2)
    rng = np.random.default_rng(1)
    first = None
    for _ in range(300):
        out = vae.elbo(patterns[rng.integers(0, 2, 32)], generator=rng)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        first = first if first is not None else out.loss.item()
    assert first > 10 and out.loss.item() < 2.5 and out.kl.data.mean() > 0.3
