"""The autoencoder: its loss is summed BCE (PyTorch's), and it learns to reconstruct."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from groundup import Tensor, optim
from groundup.generative.autoencoders.vanilla_ae import Autoencoder, bernoulli_nll


def test_bernoulli_nll_is_summed_bce_against_torch() -> None:
    rng = np.random.default_rng(0)
    logits, x = rng.normal(size=(3, 7)), rng.random((3, 7))
    ours = bernoulli_nll(Tensor(logits), x).data
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(x), reduction="none"
    ).sum(1)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10)


def test_shapes_and_the_mirrored_decoder() -> None:
    ae = Autoencoder(
        in_features=10, hidden=(8, 6), latent_dim=3, generator=np.random.default_rng(0)
    )
    widths = [p.shape for n, p in ae.named_parameters() if n.endswith("weight")]
    assert widths == [(8, 10), (6, 8), (3, 6), (6, 3), (8, 6), (10, 8)]


def test_learns_to_reconstruct_four_patterns() -> None:
    patterns = np.eye(4, dtype=np.float32).repeat(4, axis=1)  # (4, 16)
    ae = Autoencoder(in_features=16, hidden=(16,), latent_dim=2, generator=np.random.default_rng(0))
    opt = optim.Adam(ae.parameters(), lr=1e-2)
    start = ae.loss(patterns).item()
    for _ in range(200):
        loss = ae.loss(patterns)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert start > 10 and loss.item() < 0.5
    recon = 1 / (1 + np.exp(-ae(Tensor(patterns)).data))
    assert np.abs(recon - patterns).max() < 0.2
    assert ae.loss(patterns).item() == pytest.approx(loss.item(), rel=0.5)
