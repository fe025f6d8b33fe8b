r"""Milestone ``dcgan-mnist``: DCGAN on 28×28 MNIST digits (Phase 8; week 9 of the six-month plan).

Generator: $z$ (64) → transposed conv to 32@7×7 → 16@14×14 → 1@28×28, BatchNorm and ReLU
between, tanh out; discriminator: stride-2 convs 1 → 16@14×14 → 32@7×7 (BatchNorm on the
second), LeakyReLU 0.2, a 7×7 conv to one logit; weights from $\mathcal N(0, 0.02^2)$,
Adam $2\cdot10^{-4}$, $\beta_1 = 0.5$ (:mod:`groundup.generative.gans.dcgan`). The channels
are a quarter of pytorch/examples' so that a run fits a shared CPU. ``samples_epoch_NNN.png``
is the grid of the same 80 noise vectors after each epoch; the score is the Fréchet
distance, precision and recall of 1,000 samples, beside the real-vs-real floor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones._gan import GANConfig, mnist_digits, run_gan
from groundup.milestones.base import Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(GANConfig):
    """The ``--set`` options of ``dcgan-mnist``."""

    epochs: Annotated[int, Min(1)] = 32
    """Passes over the 4,000 training digits (62 steps each)."""
    base_channels: Annotated[int, Min(1)] = 16
    """ngf = ndf: channels next to the image; doubled at the 7x7 layer."""
    eval_every: Annotated[int, Min(0)] = 4
    """Also score num_samples digits every K epochs (0: only at the end)."""

    def quick(self) -> Config:
        return replace(self, epochs=2, base_channels=4, train_size=256, num_samples=64)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.gans import GAN, DCGANDiscriminator, DCGANGenerator
    from groundup.generative.gans.vanilla_gan import train_step

    X, y = mnist_digits(cfg, images=True)
    rng = ctx.rng(0)
    G = DCGANGenerator(cfg.latent_dim, cfg.base_channels, 1, 28, generator=rng)
    D = DCGANDiscriminator(1, cfg.base_channels, 28, generator=rng)
    return run_gan(cfg, ctx, GAN(G, D, cfg.latent_dim), X, y, train_step)


MILESTONE = Milestone(
    name="dcgan-mnist",
    title="DCGAN (transposed-conv G with BatchNorm, strided-conv D, N(0, 0.02) init) on MNIST digits",
    phase="Phase 8 (implementation curriculum), week 9",
    target="FD <= 20 at N = 1,000 samples (beside the real-vs-real floor); a sample grid per epoch",
    expected_time="~8 min (1,984 steps, 240 ms/step at load 17-19 on 2 cores)",
    train=train,
    config=Config,
    check=lambda s: s["fd"] <= 20 and s["n"] >= 1000,
)
