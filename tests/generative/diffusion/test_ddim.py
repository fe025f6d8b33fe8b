"""DDIM: eta = 1 on consecutive steps is DDPM's posterior, eta = 0 ignores the noise seed, strided steps
against diffusers' DDIMScheduler, the exact eps of a Gaussian sampled in few steps, inversion round trips."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers import DDIMScheduler

from groundup.generative.diffusion.ddim import (
    ddim_invert,
    ddim_sample,
    ddim_sigma,
    ddim_step,
    ddim_timesteps,
)
from groundup.generative.diffusion.ddpm import ddpm_step, q_sample
from groundup.generative.diffusion.noise_schedule import NoiseSchedule


def gaussian_eps(s: NoiseSchedule, mu: np.ndarray, sd: np.ndarray):
    """E[eps | x_t] for x_0 ~ N(mu, sd^2) per coordinate."""

    def eps_fn(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        a = s.alpha_bar[t][:, None]
        return np.sqrt(1 - a) * (x - np.sqrt(a) * mu) / (a * sd**2 + 1 - a)

    return eps_fn


@pytest.mark.parametrize("make", [NoiseSchedule.linear, NoiseSchedule.cosine])
def test_eta_one_on_consecutive_steps_is_the_ddpm_posterior(make) -> None:
    s = make(500)
    t = np.arange(1, 501)
    np.testing.assert_allclose(
        ddim_sigma(s, t, t - 1, 1.0) ** 2, s.posterior_variance[1:], rtol=1e-10, atol=1e-15
    )
    rng = np.random.default_rng(0)
    x, eps, z = (rng.normal(size=(500, 3)) for _ in range(3))
    np.testing.assert_allclose(
        ddim_step(s, x, t, t - 1, eps, 1.0, z), ddpm_step(s, x, t, eps, z), atol=1e-9
    )


def test_eta_zero_gives_the_same_sample_for_any_noise_seed() -> None:
    s = NoiseSchedule.linear(100, 1e-3, 0.2)
    eps_fn = gaussian_eps(s, np.array([1.0]), np.array([0.3]))
    x_T = np.random.default_rng(1).normal(size=(64, 1))
    a = ddim_sample(eps_fn, s, (64, 1), 20, eta=0.0, generator=2, x_T=x_T)
    b = ddim_sample(eps_fn, s, (64, 1), 20, eta=0.0, generator=3, x_T=x_T)
    np.testing.assert_array_equal(a, b)
    c = ddim_sample(eps_fn, s, (64, 1), 20, eta=1.0, generator=2, x_T=x_T)
    d = ddim_sample(eps_fn, s, (64, 1), 20, eta=1.0, generator=3, x_T=x_T)
    assert np.abs(c - d).max() > 0.1  # the control: with eta = 1 the seed matters


def test_timesteps_are_strided_end_at_T_and_consecutive_when_S_is_T() -> None:
    np.testing.assert_array_equal(ddim_timesteps(10, 10), np.arange(1, 11))
    np.testing.assert_array_equal(ddim_timesteps(1000, 4), [250, 500, 750, 1000])
    taus = ddim_timesteps(1000, 7)
    assert taus[-1] == 1000 and taus[0] >= 1 and np.all(np.diff(taus) > 0)
    s = NoiseSchedule.linear(1000)
    calls: list[int] = []
    ddim_sample(lambda x, t: (calls.append(int(t[0])), np.zeros_like(x))[1], s, (2, 1), 4)
    assert calls == [1000, 750, 500, 250]
    for bad in (0, 1001, 2.5):
        with pytest.raises(ValueError, match=r"num_steps must be an integer in \[1, 1000\]"):
            ddim_timesteps(1000, bad)


@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
def test_strided_step_matches_diffusers(eta: float) -> None:
    T, S = 1000, 50
    ref = DDIMScheduler(num_train_timesteps=T, clip_sample=False, set_alpha_to_one=True)
    ref.set_timesteps(S)
    s = NoiseSchedule.linear(T)
    rng = np.random.default_rng(4)
    for k in (
        980,
        500,
        20,
        0,
    ):  # diffusers' timesteps k = 0, 20, ..., 980; prev = k - 20 (alpha 1 below 0)
        x, eps = (
            rng.normal(size=(2, 3, 4)).astype(np.float32),
            rng.normal(size=(2, 3, 4)).astype(np.float32),
        )
        out = ref.step(
            torch.from_numpy(eps),
            k,
            torch.from_numpy(x),
            eta=eta,
            generator=torch.Generator().manual_seed(k),
        )
        z = torch.randn(x.shape, generator=torch.Generator().manual_seed(k)).double().numpy()
        t, t_prev = np.full(2, k + 1), np.full(2, max(k + 1 - T // S, 0))  # our t = k + 1
        ours = ddim_step(s, x.astype(np.float64), t, t_prev, eps.astype(np.float64), eta, z)
        np.testing.assert_allclose(ours, out.prev_sample.double().numpy(), rtol=1e-4, atol=1e-5)


def test_few_deterministic_steps_with_the_exact_eps_recover_a_gaussian() -> None:
    s = NoiseSchedule.cosine(1000)
    mu, sd = np.array([2.0, -1.0]), np.array([0.5, 1.5])
    x = ddim_sample(gaussian_eps(s, mu, sd), s, (4000, 2), 50, generator=5)
    np.testing.assert_allclose(x.mean(0), mu, atol=0.1)
    np.testing.assert_allclose(x.std(0), sd, rtol=0.05)


def test_inversion_round_trips() -> None:
    s = NoiseSchedule.cosine(1000)
    eps_fn = gaussian_eps(s, np.array([2.0, -1.0]), np.array([0.5, 1.5]))
    x0 = np.random.default_rng(6).normal([2.0, -1.0], [0.5, 1.5], size=(32, 2))
    errors = []
    for steps in (50, 200, 1000):
        x_T = ddim_invert(eps_fn, s, x0, steps)
        errors.append(np.abs(ddim_sample(eps_fn, s, x0.shape, steps, x_T=x_T) - x0).max())
    # eps(x_s, t) stands in for eps(x_t, t): first order, the error shrinks about as 1/steps
    # (measured 0.196, 0.067, 0.017)
    assert errors[2] < 0.025 and errors[1] < errors[0] / 2 and errors[2] < errors[1] / 2
    # the inverted noise is standard normal-ish, not the data
    assert abs(x_T.mean()) < 0.5 and np.abs(x_T - x0).mean() > 0.5


def test_eta_zero_step_with_the_true_noise_lands_on_the_forward_process() -> None:
    # if eps is the noise that made x_t, the deterministic step returns q_sample(x0, s, eps)
    s = NoiseSchedule.linear(1000)
    rng = np.random.default_rng(7)
    x0, eps = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    t, t_prev = np.array([1000, 700, 300, 50, 2]), np.array([900, 200, 299, 0, 1])
    got = ddim_step(s, q_sample(s, x0, t, eps), t, t_prev, eps)
    want = np.where((t_prev == 0)[:, None], x0, q_sample(s, x0, np.maximum(t_prev, 1), eps))
    np.testing.assert_allclose(got, want, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t_prev": np.array([5])}, "t_prev must be < t"),
        ({"eta": -0.1}, "eta must be >= 0"),
        ({"eta": 0.5}, "needs a noise array"),
        ({"t": np.array([0])}, r"\[1, 10\]"),
    ],
)
def test_bad_step_arguments(kwargs: dict, message: str) -> None:
    s = NoiseSchedule.linear(10)
    args = {"t": np.array([5]), "t_prev": np.array([3]), "eta": 0.0} | kwargs
    with pytest.raises(ValueError, match=message):
        ddim_step(s, np.zeros((1, 2)), args["t"], args["t_prev"], np.zeros((1, 2)), args["eta"])
