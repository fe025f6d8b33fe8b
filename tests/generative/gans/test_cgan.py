"""The conditional GAN: label embeddings in G and D against a PyTorch twin, the label
reaching both players' outputs and gradients, and bad labels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from groundup import Tensor, optim
from groundup.generative.gans import GAN, ConditionalDiscriminator, ConditionalGenerator
from groundup.generative.gans.cgan import train_step
from tests.helpers import assert_close


class TorchConditionalGenerator(nn.Module):
    """PyTorch-GAN's cgan.py generator layout: cat(z, Embedding(y)) -> MLP -> tanh."""

    def __init__(self, nz: int, k: int, e: int, h: int, out: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(k, e)
        self.net = nn.Sequential(nn.Linear(nz + e, h), nn.ReLU(), nn.Linear(h, out), nn.Tanh())

    def forward(self, z, y):
        return self.net(torch.cat([z, self.embed(y)], 1))


class TorchConditionalDiscriminator(nn.Module):
    def __init__(self, d: int, k: int, e: int, h: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(k, e)
        self.net = nn.Sequential(nn.Linear(d + e, h), nn.LeakyReLU(0.2), nn.Linear(h, 1))

    def forward(self, x, y):
        return self.net(torch.cat([x, self.embed(y)], 1)).reshape(-1)


def _copy(ours, theirs) -> None:
    pairs = list(zip(ours.parameters(), theirs.parameters()))
    assert [tuple(p.shape) for p, _ in pairs] == [tuple(t.shape) for _, t in pairs]
    with torch.no_grad():
        for p, t in pairs:
            t.copy_(torch.tensor(p.data))


def test_generator_and_discriminator_match_torch_twins_with_embedding_gradients():
    rng = np.random.default_rng(0)
    G = ConditionalGenerator(5, 4, 3, hidden=(7,), out_features=6, generator=rng).double()
    D = ConditionalDiscriminator(6, 4, 3, hidden=(7,), generator=rng).double()
    Gt, Dt = (
        TorchConditionalGenerator(5, 4, 3, 7, 6).double(),
        TorchConditionalDiscriminator(6, 4, 3, 7).double(),
    )
    _copy(G, Gt)
    _copy(D, Dt)
    z, y = rng.normal(size=(8, 5)), np.array([0, 1, 2, 3, 3, 2, 1, 1])
    out = D(G(Tensor(z), y), y)
    out_t = Dt(Gt(torch.tensor(z), torch.tensor(y)), torch.tensor(y))
    assert_close(out, out_t)
    out.sum().backward()
    out_t.sum().backward()
    for ours, theirs in ((G, Gt), (D, Dt)):
        for (n, p), t in zip(ours.named_parameters(), theirs.parameters()):
            assert_close(p.grad, t.grad, msg=n)
    # the rows of classes seen get a gradient; class 3's embedding in G is used twice
    assert np.all(G.embed.weight.grad.data != 0)


def test_the_label_changes_both_outputs():
    rng = np.random.default_rng(1)
    G = ConditionalGenerator(4, 10, 10, hidden=(16,), out_features=9, generator=rng)
    D = ConditionalDiscriminator(9, 10, 10, hidden=(16,), generator=rng)
    z = Tensor(
        np.repeat(rng.normal(size=(1, 4)), 10, axis=0).astype(np.float32)
    )  # one z, ten labels
    x = G(z, np.arange(10)).data
    assert len({row.tobytes() for row in x}) == 10
    scores = D(Tensor(np.repeat(x[:1], 10, axis=0)), np.arange(10)).data
    assert len(set(scores.tolist())) == 10


def test_bad_labels_are_named():
    G = ConditionalGenerator(4, 10, 3, hidden=(8,), out_features=9)
    z = Tensor(np.zeros((3, 4), np.float32))
    with pytest.raises(
        ValueError, match=r"labels must be 3 integers \(shape \(3,\)\), got float64 \(3,\)"
    ):
        G(z, np.zeros(3))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\), got values 0..10"):
        G(z, np.array([0, 5, 10]))
    with pytest.raises(ValueError, match=r"expected 9 features, got shape \(3, 8\)"):
        ConditionalDiscriminator(9, 10, 3, hidden=(8,))(
            Tensor(np.zeros((3, 8), np.float32)), np.zeros(3, int)
        )


def test_train_step_moves_both_players_and_their_embeddings():
    rng = np.random.default_rng(2)
    gan = GAN(ConditionalGenerator(4, 3, 2, hidden=(8,), out_features=5, generator=rng),
              ConditionalDiscriminator(5, 3, 2, hidden=(8,), generator=rng), 4)  # fmt: skip
    opt_g = optim.Adam(gan.generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = optim.Adam(gan.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    before = {n: p.data.copy() for n, p in gan.named_parameters()}
    for _ in range(3):
        out = train_step(
            gan,
            opt_g,
            opt_d,
            Tensor(rng.uniform(-1, 1, (6, 5)).astype(np.float32)),
            rng.integers(0, 3, 6),
            rng,
        )
    assert all(np.isfinite(list(out.values())))
    assert all(np.any(p.data != before[n]) for n, p in gan.named_parameters())
    samples = gan.sample(4, rng, labels=np.array([0, 1, 2, 0]))
    assert samples.shape == (4, 5)
