"""Classifier-free guidance: w = 0 is the conditional model, w = -1 the unconditional one, the (1 + w)
form equals the s-form, the dropout rate is honoured, the batched eps_fn equals two passes, and guidance
pushes the exact-eps samples of a two-class Gaussian model away from the unconditional mean."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import Tensor
from groundup.generative.diffusion.classifier_free_guidance import (
    cfg_eps_fn,
    cfg_loss,
    drop_labels,
    guided_eps,
)
from groundup.generative.diffusion.ddim import ddim_sample
from groundup.generative.diffusion.ddpm import MLPDenoiser, model_eps_fn
from groundup.generative.diffusion.noise_schedule import NoiseSchedule


def test_guided_eps_by_hand_and_its_two_forms() -> None:
    rng = np.random.default_rng(0)
    ec, eu = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_array_equal(guided_eps(ec, eu, 0.0), ec)
    np.testing.assert_allclose(guided_eps(ec, eu, -1.0), eu, atol=1e-15)
    np.testing.assert_allclose(guided_eps(ec, eu, 2.0), 3 * ec - 2 * eu, atol=1e-14)
    for w in (0.5, 3.0):  # eps_u + s (eps_c - eps_u) with s = 1 + w
        np.testing.assert_allclose(guided_eps(ec, eu, w), eu + (1 + w) * (ec - eu), atol=1e-13)
    t = guided_eps(Tensor(ec), Tensor(eu), 1.0)
    np.testing.assert_allclose(t.data, 2 * ec - eu, atol=1e-14)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 1.0])
def test_label_dropout_rate_is_honoured(p: float) -> None:
    y = np.random.default_rng(1).integers(0, 10, 100_000)
    out = drop_labels(y, p, null_label=10, generator=2)
    dropped = out == 10
    # standard error sqrt(p(1-p)/n) <= 0.0016
    assert dropped.mean() == pytest.approx(p, abs=0.006)
    np.testing.assert_array_equal(out[~dropped], y[~dropped])
    with pytest.raises(ValueError, match="p_uncond must be in"):
        drop_labels(y, 1.5, 10)


def test_cfg_loss_feeds_the_null_label_at_the_dropout_rate() -> None:
    seen: list[np.ndarray] = []

    class Recorder:
        num_classes = 10

        def __call__(self, x: Tensor, t: np.ndarray, y: np.ndarray) -> Tensor:
            seen.append(np.asarray(y))
            return x * 0.0

    s = NoiseSchedule.linear(20)
    rng = np.random.default_rng(3)
    for _ in range(50):
        cfg_loss(
            Recorder(),
            s,
            np.zeros((200, 2), dtype=np.float32),
            rng.integers(0, 10, 200),
            0.2,
            generator=rng,
        )
    y = np.concatenate(seen)
    assert (y == 10).mean() == pytest.approx(0.2, abs=0.015)
    assert set(np.unique(y).tolist()) == set(range(11))


def test_batched_guided_eps_equals_two_separate_passes_and_w_zero_the_conditional_model() -> None:
    net = MLPDenoiser(
        3, hidden=16, num_blocks=2, time_dim=8, num_classes=4, generator=np.random.default_rng(4)
    )
    rng = np.random.default_rng(5)
    x, t, y = rng.normal(size=(6, 3)), rng.integers(1, 101, 6), rng.integers(0, 4, 6)
    ec, eu = model_eps_fn(net, y)(x, t), model_eps_fn(net, None)(x, t)
    np.testing.assert_allclose(cfg_eps_fn(net, y, 2.0)(x, t), 3 * ec - 2 * eu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cfg_eps_fn(net, y, 0.0)(x, t), ec, rtol=1e-6, atol=1e-7)


def test_guidance_moves_samples_of_an_exact_two_class_model_away_from_the_other_class() -> None:
    # classes c = 0, 1 with x_0 | c ~ N(+-1, 0.3^2); the unconditional eps is taken as that of
    # N(0, 1.04) (the mixture's moments), so guidance extrapolates away from 0
    s = NoiseSchedule.cosine(1000)
    mus, sd, sd_u = np.array([-1.0, 1.0]), 0.3, np.sqrt(1 + 0.09)

    class Exact:
        num_classes = 2

        def __call__(self, x: Tensor, t: np.ndarray, y: np.ndarray) -> Tensor:
            a = s.alpha_bar[t][:, None]
            mu = np.where(y[:, None] == 2, 0.0, mus[np.minimum(y, 1)][:, None])
            v = np.where(y[:, None] == 2, sd_u**2, sd**2)
            return Tensor(np.sqrt(1 - a) * (x.data - np.sqrt(a) * mu) / (a * v + 1 - a))

    y = np.ones(2000, dtype=np.int64)
    plain = ddim_sample(
        cfg_eps_fn(Exact(), y, 0.0, dtype=np.float64), s, (2000, 1), 50, generator=6
    )
    guided = ddim_sample(
        cfg_eps_fn(Exact(), y, 2.0, dtype=np.float64), s, (2000, 1), 50, generator=6
    )
    assert plain.mean() == pytest.approx(1.0, abs=0.05) and plain.std() == pytest.approx(
        0.3, rel=0.08
    )
    assert guided.mean() > 1.1 and guided.std() < plain.std()  # measured 1.15
