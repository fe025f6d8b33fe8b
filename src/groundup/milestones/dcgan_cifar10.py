r"""Milestone ``dcgan-cifar10``: DCGAN on 32×32 CIFAR-10 colour images (week 9's coding task).

Needs the data: ``groundup data get cifar-10`` or ``groundup data add cifar-10 --from DIR`` (a
``cifar-10-batches-py`` folder), or ``--set path=DIR``; without it the run stops at once with
the data registry's message saying so. Generator $z$ (100) → 4×4 → 8×8 → 16×16 → 3@32×32 by
stride-2 transposed convolutions with BatchNorm and ReLU, tanh out; discriminator mirrored with
stride-2 convolutions, LeakyReLU 0.2 and BatchNorm; $\mathcal N(0, 0.02^2)$ init; Adam
$2\cdot10^{-4}$, $\beta_1 = 0.5$ (:mod:`groundup.generative.gans.dcgan`, ``image_size=32``).
``samples_epoch_NNN.png`` is the grid of the same 80 noise vectors after each epoch.

No score: the evaluation package's feature network is an MNIST LeNet, and a CIFAR-10 Fréchet
distance needs a CIFAR classifier the project has not trained, so this milestone has no target
and reports the losses and the discriminator's mean outputs only. ``--quick`` trains on
generated class-coloured noise written into the run folder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones._gan import GANConfig, run_gan
from groundup.milestones.base import Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(GANConfig):
    """The ``--set`` options of ``dcgan-cifar10``."""

    path: str = ""
    """A cifar-10-batches-py folder (empty: the data cache)."""
    epochs: Annotated[int, Min(1)] = 5
    """Passes over the training images (781 steps each for all 50,000)."""
    latent_dim: Annotated[int, Min(1)] = 100
    """Size of the noise z (nz)."""
    base_channels: Annotated[int, Min(1)] = 32
    """ngf = ndf: channels next to the image; doubled at each smaller map."""
    generated: Annotated[int, Min(0)] = 0
    """Train on N generated images per CIFAR batch file instead of CIFAR-10 (0: the real set)."""

    def quick(self) -> Config:
        return replace(self, epochs=2, base_channels=4, generated=32, batch_size=32)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup import data
    from groundup.generative.gans import GAN, DCGANDiscriminator, DCGANGenerator
    from groundup.generative.gans.vanilla_gan import train_step
    from groundup.milestones.resnet_cifar10 import write_generated_cifar

    path = cfg.path
    if cfg.generated:
        path = str(
            write_generated_cifar(ctx.out_dir / "generated-cifar", cfg.generated, ctx.rng(3))
        )
    X, y = data.load("cifar-10", path=path or None)["train"]
    X, y = X[: cfg.train_size], y[: cfg.train_size].astype(np.int64)
    # uint8 (N, 3, 32, 32) -> [-1, 1], the range of G's tanh
    X = X.astype(np.float32) / 127.5 - 1.0
    rng = ctx.rng(0)
    G = DCGANGenerator(cfg.latent_dim, cfg.base_channels, 3, 32, generator=rng)
    D = DCGANDiscriminator(3, cfg.base_channels, 32, generator=rng)
    return run_gan(cfg, ctx, GAN(G, D, cfg.latent_dim), X, y, train_step, score=False)


MILESTONE = Milestone(
    name="dcgan-cifar10",
    title="DCGAN on CIFAR-10 (32x32 colour): sample grids per epoch (needs the data)",
    phase="Phase 8 (implementation curriculum), week 9",
    target="none: a sample grid per epoch (no CIFAR feature network for an FD)",
    expected_time="not measured (the data is not on this machine)",
    train=train,
    config=Config,
)
