"""WGAN-GP: the penalty on a linear critic, its double backward (finite differences and
PyTorch, through every op of an MLP and a conv critic), per-sample alpha, the loss signs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from hypothesis import given
from hypothesis import strategies as st

import groundup
from groundup import Tensor, optim
from groundup.foundations.gradient_check import gradient_check
from groundup.generative.gans import GAN, Critic, DCGANDiscriminator, Generator
from groundup.generative.gans.wgan_gp import (
    check_no_batch_norm,
    critic_loss,
    generator_loss,
    gradient_penalty,
    train_step,
)
from groundup.nn import functional as F
from groundup.nn_core.conv.conv2d import conv2d
from tests.helpers import assert_close


def _linear_critic(w: Tensor):
    return lambda x: x.reshape(x.shape[0], -1) @ w  # f(x) = w . x, (B,)


@given(st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_linear_critic_penalty_is_norm_minus_one_squared(B, D, seed):
    # f(x) = w . x has gradient w everywhere, so GP = (|w| - 1)^2 exactly, whatever x and alpha
    rng = np.random.default_rng(seed)
    w = rng.normal(size=D) * rng.uniform(0.1, 3)
    real, fake = rng.normal(size=(B, D)), rng.normal(size=(B, D))
    penalty, norms = gradient_penalty(_linear_critic(Tensor(w)), real, fake, rng=rng)
    expected = (np.linalg.norm(w) - 1) ** 2
    assert float(penalty.item()) == pytest.approx(expected, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(norms, np.full(B, np.linalg.norm(w)), rtol=1e-12)


def test_penalty_gradient_wrt_weights_matches_finite_differences_and_needs_create_graph():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    alpha = rng.uniform(size=4)
    w = Tensor(rng.normal(size=3), requires_grad=True)
    penalty, _ = gradient_penalty(_linear_critic(w), real, fake, alpha=alpha)
    (gw,) = groundup.grad(penalty, w)
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    n = np.linalg.norm(w.data)
    assert_close(gw, 2 * (n - 1) * w.data / n)
    report = gradient_check(
        lambda w_: gradient_penalty(_linear_critic(w_), real, fake, alpha=alpha)[0], [w]
    )
    assert report.passed, report
    # without create_graph the gradient is a constant: the penalty does not depend on w
    flat, _ = gradient_penalty(_linear_critic(w), real, fake, alpha=alpha, create_graph=False)
    assert float(flat.item()) == pytest.approx(float(penalty.item()))
    assert not flat.requires_grad  # so nothing would flow to the critic: GP silently off


def _mlp_critic(params):
    w1, b1, w2, b2, w3, b3 = params

    def f(x):
        h = F.leaky_relu(F.linear(x, w1, b1), 0.2)
        h = F.leaky_relu(F.linear(h, w2, b2), 0.2)
        return F.linear(h, w3, b3).reshape(-1)

    return f


def _mlp_critic_torch(params):
    w1, b1, w2, b2, w3, b3 = params

    def f(x):
        h = tF.leaky_relu(tF.linear(x, w1, b1), 0.2)
        h = tF.leaky_relu(tF.linear(h, w2, b2), 0.2)
        return tF.linear(h, w3, b3).reshape(-1)

    return f


def _torch_penalty(critic, real, fake, alpha):
    a = torch.tensor(alpha).reshape((-1,) + (1,) * (real.ndim - 1))
    x_hat = (a * torch.tensor(real) + (1 - a) * torch.tensor(fake)).requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((g.reshape(len(g), -1).norm(dim=1) - 1) ** 2).mean()


@given(st.integers(1, 5), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_mlp_critic_penalty_and_its_weight_gradients_match_torch(B, D, H, seed):
    # Linear and LeakyReLU's double backward, against torch.autograd.grad(create_graph=True)
    rng = np.random.default_rng(seed)
    shapes = [(H, D), (H,), (H, H), (H,), (1, H), (1,)]
    arrays = [rng.normal(size=s) for s in shapes]
    real, fake, alpha = rng.normal(size=(B, D)), rng.normal(size=(B, D)), rng.uniform(size=B)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    penalty, _ = gradient_penalty(_mlp_critic(ours), real, fake, alpha=alpha)
    expected = _torch_penalty(_mlp_critic_torch(theirs), real, fake, alpha)
    assert_close(penalty, expected)
    grads = groundup.grad(penalty, ours, allow_unused=True)
    tgrads = torch.autograd.grad(expected, theirs, allow_unused=True)
    for i, (g, tg) in enumerate(zip(grads, tgrads)):
        # the biases reach the gradient w.r.t. x only through LeakyReLU's piecewise-constant
        # slope: no gradient (None here, zeros or None in torch)
        if g is None or tg is None:
            assert i in (1, 3, 5), i
            assert tg is None or not np.any(tg.numpy()), i
            assert g is None or not np.any(g.data), i
        else:
            assert_close(g, tg, msg=f"parameter {i}")


def _conv_critic(params, torch_mode=False):
    w1, b1, w2, b2 = params
    conv, lrelu = (tF.conv2d, tF.leaky_relu) if torch_mode else (conv2d, F.leaky_relu)

    def f(x):
        h = lrelu(conv(x, w1, b1, stride=2, padding=1), 0.2)  # (B, 3, 3, 3)
        return conv(h, w2, b2).reshape(-1)  # a 3x3 conv over the whole map

    return f


def test_conv_critic_penalty_and_weight_gradients_match_torch_and_finite_differences():
    # conv2d's double backward (the transposed conv and the weight-grad conv of its backward)
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=s) * 0.5 for s in [(3, 2, 4, 4), (3,), (1, 3, 3, 3), (1,)]]
    real, fake, alpha = (
        rng.normal(size=(3, 2, 6, 6)),
        rng.normal(size=(3, 2, 6, 6)),
        rng.uniform(size=3),
    )
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    penalty, _ = gradient_penalty(_conv_critic(ours), real, fake, alpha=alpha)
    expected = _torch_penalty(_conv_critic(theirs, torch_mode=True), real, fake, alpha)
    assert_close(penalty, expected)
    # the weights (the biases act only through LeakyReLU's slope: no gradient)
    grads = groundup.grad(penalty, [ours[0], ours[2]])
    for g, tg in zip(grads, torch.autograd.grad(expected, [theirs[0], theirs[2]])):
        assert_close(g, tg)

    def gp(w1, w2):
        return gradient_penalty(_conv_critic([w1, ours[1], w2, ours[3]]), real, fake, alpha=alpha)[
            0
        ]

    report = gradient_check(gp, [ours[0], ours[2]])
    assert report.passed, report


def test_module_critics_double_backward_matches_torch():
    # The milestone's Critic and a DCGAN critic without BatchNorm, parameters copied to torch twins
    rng = np.random.default_rng(2)
    critic = DCGANDiscriminator(1, 4, 28, batch_norm=False, generator=rng).double()
    twin = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 4, 2, 1), torch.nn.LeakyReLU(0.2),
        torch.nn.Conv2d(4, 8, 4, 2, 1), torch.nn.LeakyReLU(0.2),
        torch.nn.Conv2d(8, 1, 7, 1, 0), torch.nn.Flatten(0),
    ).double()  # fmt: skip
    convs = [m for m in twin if isinstance(m, torch.nn.Conv2d)]
    ours = [p for _, p in critic.named_parameters()]
    theirs = [p for m in convs for p in (m.weight, m.bias)]
    with torch.no_grad():
        for p, t in zip(ours, theirs):
            t.copy_(torch.tensor(p.data))
    real, fake, alpha = (
        rng.normal(size=(2, 1, 28, 28)),
        rng.normal(size=(2, 1, 28, 28)),
        rng.uniform(size=2),
    )
    penalty, _ = gradient_penalty(critic, real, fake, alpha=alpha)
    expected = _torch_penalty(twin, real, fake, alpha)
    assert_close(penalty, expected)
    penalty.backward()
    expected.backward()
    for p, t in zip(ours, theirs):
        if t.grad is not None and np.any(t.grad.numpy()):
            assert_close(p.grad, t.grad, rtol=1e-5, atol=1e-8)


def test_alpha_is_drawn_per_sample():
    rng = np.random.default_rng(3)
    B = 8
    real, fake = np.ones((B, 2, 3)), np.zeros((B, 2, 3))
    seen = []

    def critic(x):
        seen.append(x.data.copy())
        return x.reshape(B, -1).sum(1)

    gradient_penalty(critic, real, fake, rng=rng)
    x_hat = seen[0]  # alpha * 1 + (1 - alpha) * 0 = alpha
    per_sample = x_hat.reshape(B, -1)
    assert np.all(per_sample == per_sample[:, :1])  # one alpha for all of a sample's pixels
    assert len(np.unique(per_sample[:, 0])) == B  # and a different one for each sample
    assert np.all((per_sample >= 0) & (per_sample <= 1))
    with pytest.raises(ValueError, match=r"alpha must have shape \(8,\)"):
        gradient_penalty(critic, real, fake, alpha=np.full((B, 1, 1), 0.5))
    with pytest.raises(ValueError, match="one shape"):
        gradient_penalty(critic, real, fake[:, :1])


def test_loss_signs():
    # the critic lowers its loss by scoring real higher and fake lower; G by raising f(fake)
    real, fake = (
        Tensor(np.array([1.0, 2.0]), requires_grad=True),
        Tensor(np.array([0.0, -1.0]), requires_grad=True),
    )
    loss = critic_loss(real, fake, Tensor(0.0))
    assert float(loss.item()) == pytest.approx(-2.0)  # E f(fake) - E f(real) = -0.5 - 1.5
    loss.backward()
    assert np.all(real.grad.data < 0) and np.all(fake.grad.data > 0)
    assert float(critic_loss(real, fake, Tensor(0.25), lambda_gp=10).item()) == pytest.approx(0.5)
    g = generator_loss(fake)
    assert float(g.item()) == pytest.approx(0.5)
    fake.grad = None
    g.backward()
    assert np.all(fake.grad.data < 0)


def test_critic_must_not_use_batch_norm():
    check_no_batch_norm(DCGANDiscriminator(1, 4, batch_norm=False))
    check_no_batch_norm(Critic(16, (8,)))
    with pytest.raises(ValueError, match=r"must not use BatchNorm.*BatchNorm2d"):
        check_no_batch_norm(DCGANDiscriminator(1, 4, batch_norm=True))


def test_train_step_keeps_the_critic_near_one_lipschitz_on_a_toy_problem():
    # 2-D data: real points near (2, 2), the generator starts near 0. After a few hundred
    # critic steps the gradient norm at interpolates is close to 1 and W estimates > 0.
    rng = np.random.default_rng(4)
    gan = GAN(
        Generator(2, (16,), 2, generator=rng), Critic(2, (32, 32), generator=rng), latent_dim=2
    )
    opt_g = optim.Adam(gan.generator.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_d = optim.Adam(gan.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.9))
    before = {n: p.data.copy() for n, p in gan.named_parameters()}
    for _ in range(60):
        reals = [
            Tensor((0.9 + 0.05 * rng.normal(size=(32, 2))).astype(np.float32)) for _ in range(5)
        ]
        out = train_step(gan, opt_g, opt_d, reals, rng)
    # every parameter moved except the critic's output bias, which cancels in E f(x~) - E f(x)
    # and does not change the gradient
    moved = {n for n, p in gan.named_parameters() if np.any(p.data != before[n])}
    assert set(before) - moved == {"discriminator.net.4.bias"}
    assert 0.7 < out["grad_norm"] < 1.3, out
    assert out["wasserstein"] > 0, out
    with pytest.raises(ValueError, match="BatchNorm"):
        bad = GAN(Generator(2, (4,), 784), DCGANDiscriminator(1, 4), latent_dim=2)
        train_step(bad, opt_g, opt_d, reals, rng)
