"""The GAN losses against PyTorch's BCE, their signs, the alternating step, and the
stale-graph bug the engine's version check must catch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor, optim
from groundup.generative.gans import GAN, Discriminator, Generator
from groundup.generative.gans.vanilla_gan import (
    discriminator_loss,
    generator_loss,
    minimax_generator_loss,
    train_step,
)
from tests.helpers import assert_close


@given(st.integers(1, 20), st.floats(0.1, 30), st.integers(0, 2**31 - 1))
def test_losses_match_torch_bce_values_and_gradients(B, scale, seed):
    rng = np.random.default_rng(seed)
    real, fake = rng.normal(size=B) * scale, rng.normal(size=B) * scale
    r, f = Tensor(real, requires_grad=True), Tensor(fake, requires_grad=True)
    rt, ft = torch.tensor(real, requires_grad=True), torch.tensor(fake, requires_grad=True)
    bce = tF.binary_cross_entropy_with_logits
    # D: real -> 1, fake -> 0;  G (non-saturating): fake -> 1;  minimax: -BCE(fake -> 0)
    pairs = [
        (discriminator_loss(r, f), bce(rt, torch.ones(B, dtype=torch.float64)) + bce(ft, torch.zeros(B, dtype=torch.float64))),
        (generator_loss(f), bce(ft, torch.ones(B, dtype=torch.float64))),
        (minimax_generator_loss(f), -bce(ft, torch.zeros(B, dtype=torch.float64))),
    ]  # fmt: skip
    for ours, theirs in pairs:
        assert_close(ours, theirs)
        r.grad = f.grad = rt.grad = ft.grad = None
        ours.backward()
        theirs.backward()
        if rt.grad is not None:
            assert_close(r.grad, rt.grad)
        assert_close(f.grad, ft.grad)


def test_loss_signs_and_the_saturation_the_non_saturating_loss_avoids():
    # D lowers its loss by raising real logits and lowering fake ones
    r, f = Tensor([0.5], requires_grad=True), Tensor([0.5], requires_grad=True)
    discriminator_loss(r, f).backward()
    assert r.grad.item() < 0 < f.grad.item()
    # where D rejects the fake (logit -10), the minimax loss's gradient vanishes
    # (-sigma(l) = -4.5e-5) and the non-saturating one's is about -1: both push the logit up
    f = Tensor([-10.0], requires_grad=True)
    minimax_generator_loss(f).backward()
    assert -1e-4 < f.grad.item() < 0
    f.grad = None
    generator_loss(f).backward()
    assert f.grad.item() == pytest.approx(-1.0, abs=1e-4)
    # hand values: D undecided (logits 0) costs 2 ln 2, G ln 2
    assert discriminator_loss(Tensor([0.0, 0.0]), Tensor([0.0])).item() == pytest.approx(
        2 * np.log(2)
    )
    assert generator_loss(Tensor([0.0])).item() == pytest.approx(np.log(2))


def test_networks_shapes_and_bad_input():
    rng = np.random.default_rng(0)
    G, D = Generator(8, (16, 32), 784, generator=rng), Discriminator(784, (32, 16), generator=rng)
    x = G(Tensor(rng.normal(size=(5, 8)).astype(np.float32)))
    assert x.shape == (5, 784) and np.all(np.abs(x.data) < 1)
    assert D(x).shape == (5,)
    assert D(x.reshape(5, 1, 28, 28)).shape == (5,)
    with pytest.raises(ValueError, match=r"expected inputs of 784 features, got shape \(5, 10\)"):
        D(Tensor(np.zeros((5, 10), np.float32)))


@pytest.mark.parametrize(("batch_norm", "slope"), [(True, 0.2), (False, 0.2), (True, 0.0)])
def test_generator_options_match_a_torch_twin(batch_norm, slope):
    """Linear, [BatchNorm1d], ReLU/LeakyReLU per hidden layer, then Linear and tanh: values,
    parameter gradients, and eval mode on the running statistics, against PyTorch."""
    from torch import nn

    rng = np.random.default_rng(0)
    G = Generator(5, (16, 8), 12, generator=rng, batch_norm=batch_norm, negative_slope=slope)
    G = G.double()
    layers = []
    for n_in, n_out in [(5, 16), (16, 8)]:
        layers += [nn.Linear(n_in, n_out)] + ([nn.BatchNorm1d(n_out)] if batch_norm else [])
        layers.append(nn.LeakyReLU(slope) if slope > 0 else nn.ReLU())
    twin = nn.Sequential(*layers, nn.Linear(8, 12), nn.Tanh()).double()
    assert [type(m).__name__ for m in G.net] == [type(m).__name__ for m in twin]
    with torch.no_grad():
        for (_, p), (_, t) in zip(G.named_parameters(), twin.named_parameters(), strict=True):
            t.copy_(torch.tensor(p.data))
    z = rng.normal(size=(7, 5))
    out, out_t = G(Tensor(z)), twin(torch.tensor(z))
    assert_close(out, out_t)
    w = rng.normal(size=out.shape)
    (out * Tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for (n, p), (_, t) in zip(G.named_parameters(), twin.named_parameters()):
        assert_close(p.grad, t.grad, rtol=1e-6, atol=1e-9, msg=n)
    G.eval(), twin.eval()
    assert_close(G(Tensor(z[:2])), twin(torch.tensor(z[:2])))


def _gan(rng, latent=4, data_dim=1):
    return GAN(
        Generator(latent, (16,), data_dim, generator=rng),
        Discriminator(data_dim, (16,), generator=rng),
        latent,
    )


def _adams(gan, lr=2e-3):
    return (
        optim.Adam(gan.generator.parameters(), lr=lr, betas=(0.5, 0.999)),
        optim.Adam(gan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
    )


def test_updating_d_then_backpropagating_g_through_the_stale_d_graph_raises():
    # The classic bug: one forward of D on the (non-detached) fake, used for D's loss, then
    # D's optimiser steps, then G's loss is backpropagated through the *old* forward. The
    # weights it saved were changed in place, so the gradient would be silently wrong.
    rng = np.random.default_rng(0)
    gan = _gan(rng)
    _, opt_d = _adams(gan)
    real = Tensor(rng.normal(size=(8, 1)).astype(np.float32))
    fake = gan.generator(gan.sample_latent(8, rng))
    fake_logits = gan.discriminator(fake)
    d_loss = discriminator_loss(gan.discriminator(real), fake_logits)
    opt_d.zero_grad()
    d_loss.backward(retain_graph=True)
    opt_d.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        generator_loss(fake_logits).backward()


def test_alternating_steps_raise_no_false_version_errors_and_move_both_players():
    # many G/D alternations, including BatchNorm in G (DCGAN) through train_step
    from groundup.generative.gans import DCGANDiscriminator, DCGANGenerator

    rng = np.random.default_rng(1)
    gan = GAN(DCGANGenerator(8, 4, generator=rng), DCGANDiscriminator(1, 4, generator=rng), 8)
    opt_g, opt_d = _adams(gan, 2e-4)
    before = {n: p.data.copy() for n, p in gan.named_parameters()}
    for _ in range(3):
        out = train_step(
            gan, opt_g, opt_d, Tensor(rng.uniform(-1, 1, (4, 1, 28, 28)).astype(np.float32)), rng
        )
    assert all(np.isfinite(v) for v in out.values())
    assert all(np.any(p.data != before[n]) for n, p in gan.named_parameters())
    # D's parameters are trainable again after the G step (frozen only inside it)
    assert all(p.requires_grad for p in gan.discriminator.parameters())


def test_gan_learns_a_one_dimensional_gaussian():
    # behaviour on a tiny problem: data N(0.75, 0.125^2) (inside tanh's range); after 600
    # steps the samples' mean and spread are close (an untrained G is far off)
    rng = np.random.default_rng(2)
    gan = _gan(rng)
    opt_g, opt_d = _adams(gan)
    start = gan.sample(2000, rng)
    for _ in range(600):
        real = Tensor((0.75 + 0.125 * rng.normal(size=(64, 1))).astype(np.float32))
        train_step(gan, opt_g, opt_d, real, rng)
    samples = gan.sample(2000, rng)
    assert abs(start.mean() - 0.75) > 0.4
    assert abs(samples.mean() - 0.75) < 0.1, samples.mean()
    assert 0.06 < samples.std() < 0.25, samples.std()
