r"""Milestone ``cgan-mnist``: a conditional GAN draws the digit it is asked for (Phase 8).

The GAN of ``gan-mnist`` with a learned 10-d label embedding concatenated to $z$ in the
generator and to the image in the discriminator
(:mod:`groundup.generative.gans.cgan`); each fake batch asks for the labels of its real
batch. The score: 1,000 samples, 100 per class, classified by the evaluation package's
LeNet — the **class accuracy** (how often it sees the requested digit; a generator that
ignores the label scores about 0.1) — with FD, precision, recall and the entropy of the
predicted classes beside the real-vs-real floor. ``samples_epoch_NNN.png``: eight rows,
column $d$ asks for digit $d$.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones._gan import MLPGANConfig, mlp_generator_options, mnist_digits, run_gan
from groundup.milestones.base import Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(MLPGANConfig):
    """The ``--set`` options of ``cgan-mnist``."""

    epochs: Annotated[int, Min(1)] = 120
    """Passes over the 4,000 training digits (62 steps each; 80 epochs reached class accuracy 0.88)."""

    def quick(self) -> Config:
        return replace(self, epochs=2, train_size=256, num_samples=64)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.gans import GAN, ConditionalDiscriminator, ConditionalGenerator
    from groundup.generative.gans.cgan import train_step

    X, y = mnist_digits(cfg)
    rng = ctx.rng(0)
    G = ConditionalGenerator(
        cfg.latent_dim, 10, 10, (256, 512), 784, generator=rng, **mlp_generator_options(cfg)
    )
    D = ConditionalDiscriminator(784, 10, 10, (512, 256), generator=rng)
    return run_gan(cfg, ctx, GAN(G, D, cfg.latent_dim), X, y, train_step, conditional=True)


MILESTONE = Milestone(
    name="cgan-mnist",
    title="Conditional GAN (label embedding in G and D, MLPs) draws requested MNIST digits",
    phase="Phase 8 (implementation curriculum), week 9",
    target="class accuracy >= 0.9 on 1,000 samples (100 per digit) by the evaluation LeNet",
    expected_time="~16 min (7,440 steps, 130 ms/step at load 15-19 on 2 cores)",
    train=train,
    config=Config,
    check=lambda s: s["class_accuracy"] >= 0.9 and s["n"] >= 1000,
)
