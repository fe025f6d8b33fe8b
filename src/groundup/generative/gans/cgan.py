r"""The conditional GAN (Mirza & Osindero, 2014): both players see the class label.

The generator models $p(x \mid y)$ and the discriminator judges pairs:

$$\min_G \max_D\; \mathbb E_{(x, y)}[\log D(x, y)] + \mathbb E_{z, y}[\log(1 - D(G(z, y), y))].$$

A label enters each network as a learned **embedding** $e_y$ concatenated to the input:
$G([z;\, e^G_y])$ and $D([x;\, e^D_y])$ (PyTorch-GAN's ``cgan.py`` uses ``Embedding(10, 10)``
for both). The discriminator must then reject a well-drawn digit with the *wrong* label,
which is what pushes $G$ to obey $y$. The losses are the GAN's non-saturating ones
(:mod:`~groundup.generative.gans.vanilla_gan`); PyTorch-GAN's least-squares loss is a
deviation we do not follow.

>>> import numpy as np
>>> from groundup import Tensor
>>> G = ConditionalGenerator(8, 10, hidden=(16,), out_features=4, generator=np.random.default_rng(0))
>>> G(Tensor(np.zeros((3, 8), np.float32)), np.array([0, 1, 2])).shape
(3, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.join import cat
from groundup.generative.gans.vanilla_gan import (
    GAN,
    Check,
    Discriminator,
    Generator,
    _checked,
    _mean_probability,
    discriminator_loss,
    generator_loss,
)
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.module import Module
from groundup.utils.seeding import make_rng

__all__ = ["ConditionalDiscriminator", "ConditionalGenerator", "train_step"]


def _labels(labels: Any, num_classes: int, batch: int, who: str) -> np.ndarray:
    y = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if y.shape != (batch,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{who}: labels must be {batch} integers (shape ({batch},)), got {y.dtype} {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"{who}: labels must lie in [0, {num_classes}), got values {y.min()}..{y.max()}"
        )
    return y


class ConditionalGenerator(Module):
    r"""$G(z, y) = \tanh(\text{MLP}([z;\, e_y]))$.

    Parameters
    ----------
    latent_dim, num_classes, embedding_dim : int
    hidden : sequence of int
    out_features : int
    batch_norm, negative_slope : as in :class:`~groundup.generative.gans.vanilla_gan.Generator`

    Shapes: ``z (B, latent_dim)``, ``labels (B,)`` ints ``-> (B, out_features)``.
    """

    def __init__(
        self,
        latent_dim: int = 64,
        num_classes: int = 10,
        embedding_dim: int = 10,
        hidden: Sequence[int] = (256, 512),
        out_features: int = 784,
        generator: np.random.Generator | None = None,
        batch_norm: bool = False,
        negative_slope: float = 0.0,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.embed = Embedding(num_classes, embedding_dim, generator=rng)
        self.mlp = Generator(
            latent_dim + embedding_dim,
            hidden,
            out_features,
            generator=rng,
            batch_norm=batch_norm,
            negative_slope=negative_slope,
        )

    def forward(self, z: Tensor, labels: Any) -> Tensor:
        y = _labels(labels, self.num_classes, z.shape[0], "ConditionalGenerator")
        # BEGIN SOLUTION
        return self.mlp(cat([z, self.embed(y)], dim=1))  # (B, latent_dim + E) -> (B, out)
        # END SOLUTION


class ConditionalDiscriminator(Module):
    r"""$\ell(x, y) = \text{MLP}([x;\, e_y])$, LeakyReLU(0.2): a logit for "real *and* of class $y$".

    Shapes: ``x (B, in_features)`` or ``(B, C, H, W)``, ``labels (B,)`` ``-> (B,)``.
    """

    def __init__(
        self,
        in_features: int = 784,
        num_classes: int = 10,
        embedding_dim: int = 10,
        hidden: Sequence[int] = (512, 256),
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.in_features, self.num_classes = in_features, num_classes
        self.embed = Embedding(num_classes, embedding_dim, generator=rng)
        self.mlp = Discriminator(in_features + embedding_dim, hidden, generator=rng)

    def forward(self, x: Tensor, labels: Any) -> Tensor:
        B = x.shape[0]
        if x.ndim > 2:
            x = x.reshape(B, -1)
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"ConditionalDiscriminator: expected {self.in_features} features, got shape {x.shape}"
            )
        y = _labels(labels, self.num_classes, B, "ConditionalDiscriminator")
        # BEGIN SOLUTION
        return self.mlp(cat([x, self.embed(y)], dim=1))  # (B,)
        # END SOLUTION


def train_step(
    gan: GAN,
    opt_g: Any,
    opt_d: Any,
    real: Tensor,
    labels: np.ndarray,
    rng: np.random.Generator,
    check: Check | None = None,
) -> dict[str, float]:
    """One discriminator and one generator step on a labelled batch.

    The fakes are asked for the same labels as the real batch (so $D$ sees each class
    equally often as real and as fake).

    Parameters
    ----------
    gan : GAN
        Of a :class:`ConditionalGenerator` and a :class:`ConditionalDiscriminator`.
    real : Tensor of shape ``(B, ...)``, in $[-1, 1]$
    labels : int ndarray of shape ``(B,)``
    rng, check : as in :func:`~groundup.generative.gans.vanilla_gan.train_step`
    """
    G, D = gan.generator, gan.discriminator
    B = real.shape[0]
    # BEGIN SOLUTION
    fake = G(gan.sample_latent(B, rng), labels)
    real_logits, fake_logits = D(real, labels), D(fake.detach(), labels)
    d_loss = discriminator_loss(real_logits, fake_logits)
    opt_d.zero_grad()
    d_loss.backward()
    d_value = _checked(d_loss, D, check)
    opt_d.step()
    D.requires_grad_(False)
    g_loss = generator_loss(D(fake, labels))
    D.requires_grad_(True)
    opt_g.zero_grad()
    g_loss.backward()
    g_value = _checked(g_loss, G, check)
    opt_g.step()
    # END SOLUTION
    return {
        "d_loss": d_value,
        "g_loss": g_value,
        "d_real": _mean_probability(real_logits),
        "d_fake": _mean_probability(fake_logits),
    }
