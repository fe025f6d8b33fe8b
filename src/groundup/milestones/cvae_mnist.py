r"""Milestone ``cvae-mnist``: a conditional VAE that draws the digit it is asked for (Phase 7).

The VAE of ``vae-mnist`` with the one-hot label appended to the encoder's input and to
$z$ (:mod:`groundup.generative.autoencoders.cvae`). The measure is behavioural: draw 100
samples of each digit, $z \sim \mathcal N(0, I)$, and ask the evaluation package's LeNet
(97.7% on real test digits) which digit each one is. Target: the requested class >= 80%
of the time.

The choice that decides it is the width of $z$. With $d = 20$ the decoder can read the
digit's identity from $z$ and ignore the label (the research notes measured 47.9%); with
$d = 4$ there is no room for it, so the label has to carry the class.

Written: ``samples.png`` (a row per requested digit), the test $-$ELBO, class accuracy,
and FD/precision/recall/class entropy of the 1,000 samples beside the real floor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones._generative import sample_metrics, save_grid
from groundup.milestones.base import Milestone, Min, RunConfig, RunContext
from groundup.milestones.vae_mnist import train_vae


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``cvae-mnist``."""

    latent_dim: Annotated[int, Min(1)] = 4
    """Size of z: small, so that the label carries the class."""
    hidden: Annotated[int, Min(1)] = 400
    """Width of the hidden layer of the encoder and of the decoder."""
    epochs: Annotated[int, Min(1)] = 50
    """Passes over the training set."""
    batch_size: Annotated[int, Min(1)] = 128
    """Minibatch size."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam learning rate."""
    per_class: Annotated[int, Min(1)] = 100
    """Samples drawn per digit for class accuracy, FD, precision and recall."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all 4,000)."""

    def quick(self) -> Config:
        return replace(self, epochs=2, train_size=512, per_class=10, hidden=64)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.autoencoders.cvae import CVAE

    model = CVAE(784, cfg.hidden, cfg.latent_dim, generator=ctx.rng(0))
    summary = train_vae(cfg, ctx, model, conditional=True)
    requested = np.repeat(np.arange(10), cfg.per_class)  # (10 * per_class,)
    samples = model.sample(requested, generator=np.random.default_rng([ctx.seed, 4]))
    grid = samples.reshape(10, cfg.per_class, 784)[:, :10].reshape(-1, 784)
    ncols = min(cfg.per_class, 10)
    save_grid(ctx, grid, ncols, "samples.png", "CVAE: row c asks for digit c", range(10))
    summary |= sample_metrics(samples, requested)
    summary["train_seconds"] = round(ctx.elapsed(), 1)
    return summary


MILESTONE = Milestone(
    name="cvae-mnist",
    title="Conditional VAE (z of size 4, one-hot label) on 4,000 MNIST digits: does it draw the digit asked for?",
    phase="Phase 7 (implementation curriculum; six-month syllabus week 9), week 15",
    target="class_accuracy >= 0.8 (the LeNet of the evaluation package reads the requested digit)",
    expected_time="~2 min",
    train=train,
    config=Config,
    check=lambda s: s["class_accuracy"] >= 0.8,
)
