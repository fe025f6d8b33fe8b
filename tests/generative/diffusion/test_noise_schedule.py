"""Noise schedules: hand values, the posterior against Gaussian conditioning done independently,
SNR, the cosine clip, and diffusers' DDPMScheduler (linear and squaredcos_cap_v2) as the reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler

from groundup.generative.diffusion.noise_schedule import NoiseSchedule, cosine_betas, linear_betas


def test_hand_values_of_both_schedules_at_T_1000() -> None:
    lin, cos = NoiseSchedule.linear(1000), NoiseSchedule.cosine(1000)
    assert lin.alpha_bar[500] == pytest.approx(0.0786, abs=5e-4)
    assert lin.alpha_bar[1000] == pytest.approx(4.04e-5, rel=1e-2)
    assert cos.alpha_bar[500] == pytest.approx(0.494, abs=1e-3)
    assert cos.betas[1] == pytest.approx(4.1e-5, rel=2e-2)
    assert cos.betas[1000] == 0.999


def test_three_step_schedule_by_hand() -> None:
    s = NoiseSchedule([0.1, 0.2, 0.3])
    np.testing.assert_allclose(s.alpha_bar, [1.0, 0.9, 0.72, 0.504], rtol=1e-12)
    # beta~_t = (1 - a_{t-1}) / (1 - a_t) * beta_t: 0, 0.1/0.28*0.2, 0.28/0.496*0.3
    np.testing.assert_allclose(
        s.posterior_variance, [0, 0, 0.1 / 0.28 * 0.2, 0.28 / 0.496 * 0.3], rtol=1e-12
    )
    np.testing.assert_allclose(s.snr[1:], [9.0, 0.72 / 0.28, 0.504 / 0.496], rtol=1e-12)
    assert s.snr[0] == np.inf


@pytest.mark.parametrize("make", [NoiseSchedule.linear, NoiseSchedule.cosine])
def test_posterior_equals_gaussian_conditioning(make) -> None:
    schedule = make(200)
    # x_{t-1} | x_0 ~ N(sqrt(a_{t-1}) x0, 1 - a_{t-1});  x_t | x_{t-1} ~ N(sqrt(alpha_t) x_{t-1}, beta_t).
    # Bayes: precision = 1/(1 - a_{t-1}) + alpha_t/beta_t; mean = var * (sqrt(a_{t-1}) x0/(1 - a_{t-1}) + sqrt(alpha_t) x_t/beta_t)
    t = np.arange(2, schedule.num_timesteps + 1)
    a_prev, alpha, beta = schedule.alpha_bar[t - 1], schedule.alphas[t], schedule.betas[t]
    var = 1.0 / (1.0 / (1.0 - a_prev) + alpha / beta)
    np.testing.assert_allclose(schedule.posterior_variance[t], var, rtol=1e-9)
    x0, x_t = 0.7, -1.3
    mean = var * (np.sqrt(a_prev) * x0 / (1.0 - a_prev) + np.sqrt(alpha) * x_t / beta)
    got = schedule.posterior_mean_coef_x0[t] * x0 + schedule.posterior_mean_coef_xt[t] * x_t
    np.testing.assert_allclose(got, mean, rtol=1e-9, atol=1e-12)
    # at t = 1, x_0 is known: variance 0, mean x_0
    assert schedule.posterior_variance[1] == 0
    assert schedule.posterior_mean_coef_x0[1] == pytest.approx(1, abs=1e-12)
    assert schedule.posterior_mean_coef_xt[1] == 0


@pytest.mark.parametrize("make", [NoiseSchedule.linear, NoiseSchedule.cosine])
def test_alpha_bar_and_snr_decrease_from_one(make) -> None:
    s = make(1000)
    assert s.alpha_bar[0] == 1.0 and s.betas[0] == 0.0
    assert np.all(np.diff(s.alpha_bar) < 0) and np.all(np.diff(s.snr[1:]) < 0)
    np.testing.assert_allclose(s.snr[1:], s.alpha_bar[1:] / (1 - s.alpha_bar[1:]), rtol=1e-12)
    assert s.alphas.shape == s.posterior_variance.shape == (1001,)


def test_cosine_clip_is_what_keeps_the_last_beta_below_one() -> None:
    unclipped = cosine_betas(1000, max_beta=1.0)
    assert unclipped[-1] == pytest.approx(1.0, abs=1e-12)  # f(T) = cos^2(pi/2) = 0
    clipped = cosine_betas(1000)
    assert clipped[-1] == 0.999 and np.sum(clipped == 0.999) == 1
    np.testing.assert_array_equal(clipped[:-1], unclipped[:-1])


@pytest.mark.parametrize(
    ("T", "kind", "ours"),
    [
        (1000, "linear", NoiseSchedule.linear),
        (1000, "squaredcos_cap_v2", NoiseSchedule.cosine),
        (50, "linear", None),
    ],
)
def test_schedules_match_diffusers(T: int, kind: str, ours) -> None:
    ref = DDPMScheduler(num_train_timesteps=T, beta_schedule=kind)
    s = ours(T) if ours else NoiseSchedule(linear_betas(T))
    # diffusers counts k = 0..T-1; our t = k + 1
    np.testing.assert_allclose(s.betas[1:], ref.betas.double().numpy(), rtol=1e-6)
    np.testing.assert_allclose(s.alpha_bar[1:], ref.alphas_cumprod.double().numpy(), rtol=2e-5)
    # diffusers' posterior-variance formula on our float64 alpha-bar (its float32 1 - alpha-bar
    # loses up to 1e-3 relative at small t)
    ref.alphas_cumprod = torch.from_numpy(s.alpha_bar[1:])
    var = np.array([float(ref._get_variance(k)) for k in range(1, T)])
    np.testing.assert_allclose(s.posterior_variance[2:], var, rtol=1e-12)


def test_diffusers_reference_is_float32_torch() -> None:
    # what the tolerances above allow for: diffusers keeps its schedule in float32
    assert DDPMScheduler(num_train_timesteps=10).alphas_cumprod.dtype == torch.float32


def test_sampled_timesteps_cover_one_to_T_and_nothing_else() -> None:
    s = NoiseSchedule.linear(10)
    t = s.sample_timesteps(5000, np.random.default_rng(0))
    assert set(t.tolist()) == set(range(1, 11))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: NoiseSchedule([0.1, 1.5]), r"betas must lie in \(0, 1\]"),
        (lambda: NoiseSchedule(np.zeros((2, 2)) + 0.1), "1-D"),
        (lambda: linear_betas(0), "num_timesteps must be a positive integer, got 0"),
        (lambda: linear_betas(10, 0.3, 0.1), "beta_start=0.3, beta_end=0.1"),
        (
            lambda: NoiseSchedule.linear(10).check_timesteps(np.array([0, 3])),
            r"\[1, 10\]; got \[0\]",
        ),
        (lambda: NoiseSchedule.linear(10).check_timesteps(np.array([11])), r"got \[11\]"),
        (lambda: NoiseSchedule.linear(10).check_timesteps(np.array([1.0])), "integers"),
    ],
)
def test_bad_input_names_the_argument(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
