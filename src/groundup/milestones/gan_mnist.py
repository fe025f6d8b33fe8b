r"""Milestone ``gan-mnist``: the GAN of Goodfellow et al. with MLPs, on MNIST digits (Phase 8).

Generator 64-256-512-784 (ReLU, tanh output), discriminator 784-512-256-1 (LeakyReLU 0.2),
the non-saturating generator loss $L_G = -\mathbb E \log D(G(z))$, Adam $2\cdot10^{-4}$ with
$\beta = (0.5, 0.999)$, batches of 64 (:mod:`groundup.generative.gans.vanilla_gan`).
``samples_epoch_NNN.png`` shows the same 80 noise vectors after every epoch; the score
is the Fréchet distance, precision and recall of 1,000 samples against the test digits,
with the floor of 1,000 real digits beside them. Recall is the check against mode
collapse: a generator that draws only a few kinds of digit can reach a fair FD and
precision, never a high recall.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from groundup.milestones._gan import MLPGANConfig, mlp_generator_options, mnist_digits, run_gan
from groundup.milestones.base import Milestone, RunContext


@dataclass(frozen=True)
class Config(MLPGANConfig):
    """The ``--set`` options of ``gan-mnist``."""

    def quick(self) -> Config:
        return replace(self, epochs=2, train_size=256, num_samples=64)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.gans import GAN, Discriminator, Generator
    from groundup.generative.gans.vanilla_gan import train_step

    X, y = mnist_digits(cfg)
    rng = ctx.rng(0)
    G = Generator(cfg.latent_dim, (256, 512), 784, generator=rng, **mlp_generator_options(cfg))
    gan = GAN(G, Discriminator(784, (512, 256), generator=rng), cfg.latent_dim)
    return run_gan(cfg, ctx, gan, X, y, train_step)


MILESTONE = Milestone(
    name="gan-mnist",
    title="GAN (MLP G 64-256-512-784, D 784-512-256-1, non-saturating loss) on MNIST digits",
    phase="Phase 8 (implementation curriculum), week 9",
    target="FD <= 20 and recall > 0.5 at N = 1,000 samples (beside the real-vs-real floor)",
    expected_time="~5 min per 1,000 steps at load 30 on 2 cores (26 ms/step unloaded: 8k steps, 3.5 min)",
    train=train,
    config=Config,
    check=lambda s: s["fd"] <= 20 and s["recall"] > 0.5 and s["n"] >= 1000,
)
