"""The conditional VAE: the label enters both networks, and a tiny CVAE obeys it."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import optim
from groundup.generative.autoencoders.cvae import CVAE, one_hot


def test_label_enters_encoder_and_decoder() -> None:
    cvae = CVAE(
        in_features=12, hidden=5, latent_dim=2, num_classes=3, generator=np.random.default_rng(0)
    )
    assert cvae.encoder[0].weight.shape == (5, 12 + 3) and cvae.decoder[0].weight.shape == (
        5,
        2 + 3,
    )
    x = np.random.default_rng(1).random((2, 12), dtype=np.float32)
    a = cvae.elbo(x, [0, 0], generator=np.random.default_rng(2)).loss.item()
    b = cvae.elbo(x, [1, 2], generator=np.random.default_rng(2)).loss.item()
    assert a != b
    with pytest.raises(ValueError, match="labels are required"):
        cvae.elbo(x)
    with pytest.raises(ValueError, match=r"classes in 0\.\.2"):
        one_hot([3], 3)


def test_a_tiny_cvae_draws_the_requested_pattern() -> None:
    """Three 12-pixel patterns, one per class; z of size 1 cannot hold the class."""
    patterns = np.eye(3, dtype=np.float32).repeat(4, axis=1)  # (3, 12)
    cvae = CVAE(
        in_features=12, hidden=16, latent_dim=1, num_classes=3, generator=np.random.default_rng(0)
    )
    opt = optim.Adam(cvae.parameters(), lr=1e-2)
    rng = np.random.default_rng(1)
    for _ in range(200):
        y = rng.integers(0, 3, 24)
        out = cvae.elbo(patterns[y], y, generator=rng)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    requested = np.repeat(np.arange(3), 20)
    samples = cvae.sample(requested, generator=np.random.default_rng(3))  # (60, 12)
    drawn = samples.reshape(60, 3, 4).mean(2).argmax(1)
    assert (drawn == requested).mean() == 1.0
