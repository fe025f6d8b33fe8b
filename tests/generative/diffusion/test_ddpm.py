"""DDPM: the forward process's variance, the step against the posterior and diffusers' DDPMScheduler,
ancestral sampling with the exact eps of a point and of a Gaussian, timesteps kept in [1, T], the loss
by hand, the MLP denoiser against PyTorch, and a tiny denoiser that learns a point."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler

from groundup import Tensor
from groundup.generative.diffusion.ddpm import (
    MLPDenoiser,
    ddpm_loss,
    ddpm_sample,
    ddpm_step,
    model_eps_fn,
    posterior_mean_variance,
    predict_x0_from_eps,
    q_sample,
    timestep_embedding,
)
from groundup.generative.diffusion.noise_schedule import NoiseSchedule
from groundup.optimization.optimizers.adam import Adam


def gaussian_eps(s: NoiseSchedule, mu: np.ndarray, sd: np.ndarray):
    """The optimal eps-predictor for x_0 ~ N(mu, sd^2) per coordinate: E[eps | x_t]."""

    def eps_fn(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        a = s.alpha_bar[t][:, None]
        # Cov(eps, x_t) = sqrt(1 - a); Var(x_t) = a sd^2 + 1 - a
        return np.sqrt(1 - a) * (x - np.sqrt(a) * mu) / (a * sd**2 + 1 - a)

    return eps_fn


@pytest.mark.parametrize("make", [NoiseSchedule.linear, NoiseSchedule.cosine])
def test_variance_of_x_t_from_zero_data_is_one_minus_alpha_bar(make) -> None:
    s = make(1000)
    rng = np.random.default_rng(0)
    for t in (10, 300, 500, 900):
        x_t = q_sample(
            s, np.full((100_000, 1), 0.0), np.full(100_000, t), rng.standard_normal((100_000, 1))
        )
        assert x_t.var() == pytest.approx(1 - s.alpha_bar[t], abs=0.012)
        x_t = q_sample(
            s, np.full((100_000, 1), 3.0), np.full(100_000, t), rng.standard_normal((100_000, 1))
        )
        assert x_t.mean() == pytest.approx(3 * np.sqrt(s.alpha_bar[t]), abs=0.012)


def test_x0_prediction_inverts_the_forward_process() -> None:
    s = NoiseSchedule.cosine(100)
    rng = np.random.default_rng(1)
    x0, eps, t = (
        rng.normal(size=(7, 3, 2, 2)),
        rng.normal(size=(7, 3, 2, 2)),
        rng.integers(1, 101, 7),
    )
    np.testing.assert_allclose(
        predict_x0_from_eps(s, q_sample(s, x0, t, eps), t, eps), x0, atol=1e-9
    )


@pytest.mark.parametrize("make", [NoiseSchedule.linear, NoiseSchedule.cosine])
def test_step_with_the_true_noise_is_the_posterior(make) -> None:
    s = make(300)
    rng = np.random.default_rng(2)
    t = np.arange(1, 301)
    x0, eps, z = (rng.normal(size=(300, 4)) for _ in range(3))
    x_t = q_sample(s, x0, t, eps)
    mean, var = posterior_mean_variance(s, x0, x_t, t)
    np.testing.assert_allclose(ddpm_step(s, x_t, t, eps, np.zeros_like(z)), mean, atol=1e-9)
    np.testing.assert_allclose(ddpm_step(s, x_t, t, eps, z), mean + np.sqrt(var) * z, atol=1e-9)
    # the "beta" variance adds sqrt(beta_t) z, except at t = 1
    got = ddpm_step(s, x_t, t, eps, z, variance="beta") - mean
    np.testing.assert_allclose(got[1:], np.sqrt(s.betas[2:, None]) * z[1:], atol=1e-9)
    np.testing.assert_allclose(got[0], 0.0, atol=1e-12)


@pytest.mark.parametrize(
    ("kind", "make"),
    [("linear", NoiseSchedule.linear), ("squaredcos_cap_v2", NoiseSchedule.cosine)],
)
def test_step_matches_diffusers(kind: str, make) -> None:
    T = 1000
    ref = DDPMScheduler(
        num_train_timesteps=T, beta_schedule=kind, clip_sample=False, variance_type="fixed_small"
    )
    s = make(T)
    rng = np.random.default_rng(3)
    for k in (0, 1, 10, 499, 998, 999):
        x, eps = (
            rng.normal(size=(2, 3, 4, 4)).astype(np.float32),
            rng.normal(size=(2, 3, 4, 4)).astype(np.float32),
        )
        out = ref.step(
            torch.from_numpy(eps),
            k,
            torch.from_numpy(x),
            generator=torch.Generator().manual_seed(k),
        )
        z = (
            torch.randn(x.shape, generator=torch.Generator().manual_seed(k)).double().numpy()
        )  # diffusers' draw
        t = np.full(2, k + 1)  # diffusers' k is our t = k + 1
        ours = ddpm_step(s, x.astype(np.float64), t, eps.astype(np.float64), z)
        np.testing.assert_allclose(
            ours, out.prev_sample.double().numpy(), rtol=1e-4, atol=2e-4 if k == 999 else 1e-5
        )
        x0 = predict_x0_from_eps(s, x.astype(np.float64), t, eps.astype(np.float64))
        np.testing.assert_allclose(
            x0, out.pred_original_sample.double().numpy(), rtol=1e-4, atol=1e-4
        )


@pytest.mark.parametrize("variance", ["posterior", "beta"])
def test_sampling_with_the_exact_eps_of_one_point_returns_that_point(variance: str) -> None:
    s = NoiseSchedule.linear(200)
    c = np.array([0.5, -2.0])

    def eps_fn(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        a = s.alpha_bar[t][:, None]
        return (x - np.sqrt(a) * c) / np.sqrt(1 - a)

    x = ddpm_sample(eps_fn, s, (50, 2), np.random.default_rng(4), variance=variance)
    # at t = 1 the posterior mean is x_0 itself, whatever the earlier noise was
    np.testing.assert_allclose(
        x, np.broadcast_to(c, x.shape), atol=1e-6 if variance == "posterior" else 0.05
    )


# T = 100 with the linear schedule stretched to keep alpha_bar_T near 0 (beta 1e-3 .. 0.2)
SHORT = {"linear": NoiseSchedule.linear(100, 1e-3, 0.2), "cosine": NoiseSchedule.cosine(100)}


@pytest.mark.parametrize(
    ("make", "variance"), [(NoiseSchedule.linear, "posterior"), (NoiseSchedule.cosine, "beta")]
)
def test_sampling_with_the_exact_eps_of_a_gaussian_recovers_it(make, variance: str) -> None:
    # T = 1000: with T = 100 the posterior variance leaves the samples' sd 3-5% short (measured)
    s = make(1000)
    mu, sd = np.array([2.0, -1.0]), np.array([0.5, 1.5])
    x = ddpm_sample(
        gaussian_eps(s, mu, sd), s, (4000, 2), np.random.default_rng(5), variance=variance
    )
    # standard errors: sd/sqrt(n) = 0.008-0.024 for the mean, sd/sqrt(2n) = 1.1% of sd
    np.testing.assert_allclose(x.mean(0), mu, atol=0.1)
    np.testing.assert_allclose(x.std(0), sd, rtol=0.05)


def test_a_wrong_eps_model_does_not_recover_the_gaussian() -> None:
    # control for the test above: the eps of N(0, I) data leaves samples at N(0, I)
    s = SHORT["linear"]
    x = ddpm_sample(
        gaussian_eps(s, np.zeros(2), np.ones(2)), s, (8000, 2), np.random.default_rng(5)
    )
    assert np.abs(x.mean(0) - [2.0, -1.0]).min() > 0.9


def test_training_and_sampling_touch_t_only_in_one_to_T() -> None:
    s = NoiseSchedule.linear(20)
    seen: list[np.ndarray] = []

    def model(x: Tensor, t: np.ndarray, y=None) -> Tensor:
        seen.append(np.asarray(t))
        return x * 0.0

    rng = np.random.default_rng(6)
    for _ in range(100):
        ddpm_loss(model, s, np.zeros((32, 2), dtype=np.float32), rng)
    assert set(np.concatenate(seen).tolist()) == set(range(1, 21))
    calls: list[int] = []
    ddpm_sample(lambda x, t: (calls.append(int(t[0])), np.zeros_like(x))[1], s, (3, 2), 0)
    assert calls == list(range(20, 0, -1))


def test_loss_by_hand_with_a_zero_model() -> None:
    s = NoiseSchedule.linear(50)
    x0 = np.random.default_rng(7).normal(size=(16, 3)).astype(np.float32)
    loss = ddpm_loss(lambda x, t, y: x * 0.0, s, x0, np.random.default_rng(8))
    rng = np.random.default_rng(8)
    rng.integers(1, 51, 16)  # the timesteps are drawn first
    eps = rng.standard_normal((16, 3))
    assert float(loss.item()) == pytest.approx(float(np.mean(eps**2)), rel=1e-6)
    # the identity model predicts x_t: the loss is mean (eps - x_t)^2
    rng = np.random.default_rng(8)
    t = rng.integers(1, 51, 16)
    eps = rng.standard_normal((16, 3))
    x_t = q_sample(s, x0, t, eps)
    loss = ddpm_loss(lambda x, t, y: x, s, x0, np.random.default_rng(8))
    assert float(loss.item()) == pytest.approx(float(np.mean((eps - x_t) ** 2)), rel=1e-5)


def test_timestep_embedding_by_hand() -> None:
    e = timestep_embedding(np.array([3]), 4, max_period=100.0)
    np.testing.assert_allclose(e, [[np.cos(3), np.cos(0.3), np.sin(3), np.sin(0.3)]], rtol=1e-12)


def test_mlp_denoiser_matches_pytorch() -> None:
    net = MLPDenoiser(
        3, hidden=16, num_blocks=2, time_dim=8, num_classes=4, generator=np.random.default_rng(9)
    )
    p = {k: torch.from_numpy(np.array(v.data, dtype=np.float64)) for k, v in net.named_parameters()}
    rng = np.random.default_rng(10)
    x, t, y = rng.normal(size=(5, 3)), np.array([1, 5, 9, 100, 1000]), np.array([0, 3, 4, 4, 1])

    def lin(name: str, h: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(h, p[f"{name}.weight"], p[f"{name}.bias"])

    emb = torch.from_numpy(timestep_embedding(t, 8))
    h = lin("inp", torch.from_numpy(x)) + lin("time", emb) + p["label.weight"][torch.from_numpy(y)]
    for i in range(2):
        h = h + lin(f"blocks.{i}", torch.nn.functional.silu(h))
    want = lin("out", torch.nn.functional.silu(h)).numpy()
    net64 = MLPDenoiser(
        3, hidden=16, num_blocks=2, time_dim=8, num_classes=4, generator=np.random.default_rng(9)
    )
    for v in net64.parameters():
        v.data = v.data.astype(np.float64)
    got = net64(Tensor(x), t, y).data
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # y = None is the null label, row num_classes
    np.testing.assert_allclose(
        net64(Tensor(x), t, None).data, net64(Tensor(x), t, np.full(5, 4)).data
    )
    with pytest.raises(ValueError, match=r"x must be \(B, 3\), got \(5, 2\)"):
        net64(Tensor(x[:, :2]), t)


def test_a_tiny_denoiser_learns_two_points() -> None:
    s = NoiseSchedule.linear(50, beta_start=1e-3, beta_end=0.2)
    rng = np.random.default_rng(11)
    net = MLPDenoiser(2, hidden=64, num_blocks=2, time_dim=16, generator=rng)
    opt = Adam(net.parameters(), lr=3e-3)
    points = np.array([[1.0, 1.0], [-1.0, -1.0]], dtype=np.float32)
    losses = []
    for _ in range(400):
        x0 = points[rng.integers(0, 2, 128)]
        loss = ddpm_loss(net, s, x0, rng)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert np.mean(losses[-50:]) < 0.5 * np.mean(losses[:20])
    x = ddpm_sample(model_eps_fn(net), s, (400, 2), np.random.default_rng(12))
    dist = np.min(np.linalg.norm(x[:, None, :] - points[None], axis=2), axis=1)
    assert np.median(dist) < 0.25  # noise alone: median distance about 0.9
    assert 0.25 < np.mean(x[:, 0] > 0) < 0.75  # both points, not one


def test_loss_gradients_of_the_mlp_denoiser_match_pytorch() -> None:
    s = NoiseSchedule.cosine(100)
    net = MLPDenoiser(
        3, hidden=8, num_blocks=2, time_dim=4, num_classes=2, generator=np.random.default_rng(13)
    )
    for v in net.parameters():
        v.data = v.data.astype(np.float64)
    x0, y = np.random.default_rng(14).normal(size=(6, 3)), np.array([0, 1, 2, 0, 1, 2])
    loss = ddpm_loss(net, s, x0, np.random.default_rng(15), y)
    loss.backward()
    # the same draws, the same network, in PyTorch
    rng = np.random.default_rng(15)
    t = rng.integers(1, 101, 6)
    eps = rng.standard_normal((6, 3))
    p = {k: torch.tensor(np.array(v.data), requires_grad=True) for k, v in net.named_parameters()}

    def lin(name: str, h: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(h, p[f"{name}.weight"], p[f"{name}.bias"])

    x_t = torch.from_numpy(q_sample(s, x0, t, eps))
    h = (
        lin("inp", x_t)
        + lin("time", torch.from_numpy(timestep_embedding(t, 4)))
        + p["label.weight"][torch.from_numpy(y)]
    )
    for i in range(2):
        h = h + lin(f"blocks.{i}", torch.nn.functional.silu(h))
    ref = torch.nn.functional.mse_loss(
        lin("out", torch.nn.functional.silu(h)), torch.from_numpy(eps)
    )
    ref.backward()
    assert float(loss.item()) == pytest.approx(ref.item(), rel=1e-12)
    for k, v in net.named_parameters():
        np.testing.assert_allclose(v.grad, p[k].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)
