r"""Milestone ``wgan-gp-mnist``: WGAN-GP with MLPs on MNIST digits (Phase 8).

Generator 64-256-512-784 (tanh out), critic 784-512-256-1 (LeakyReLU 0.2, **no BatchNorm**,
no sigmoid), $n_{\text{critic}} = 5$ critic steps per generator step, each on a fresh
real batch; the penalty $\lambda\,\mathbb E(\lVert\nabla_{\hat x} f(\hat x)\rVert - 1)^2$ with
$\lambda = 10$ at per-sample interpolates (a double backward through the critic); Adam
$10^{-4}$, $\beta = (0.5, 0.9)$ as in the official MNIST script
(:mod:`groundup.generative.gans.wgan_gp`).

Logged per epoch: ``grad_norm``, the mean $\lVert\nabla_{\hat x} f\rVert$ at the interpolates
(the penalty's target is 1), ``wasserstein`` (the critic's estimate
$\mathbb E f(x) - \mathbb E f(\tilde x)$, positive when the critic tells them apart) and ``gp``.
The check: after the warm-up (the first tenth of the epochs) every epoch's grad norm lies
in [0.8, 1.3], and FD ≤ 15.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Annotated, Any

from groundup.milestones._gan import MLPGANConfig, mlp_generator_options, mnist_digits, run_gan
from groundup.milestones.base import Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(MLPGANConfig):
    """The ``--set`` options of ``wgan-gp-mnist``."""

    epochs: Annotated[int, Min(1)] = 250
    """Passes of the critic over the 4,000 digits (12 generator steps each)."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-4
    """Adam learning rate (both players)."""
    beta2: Annotated[float, Min(0)] = 0.9
    """Adam's beta2 (the paper's 0.9)."""
    n_critic: Annotated[int, Min(1)] = 5
    """Critic steps per generator step."""
    lambda_gp: Annotated[float, Min(0)] = 10.0
    """Weight of the gradient penalty."""

    def quick(self) -> Config:
        return replace(self, epochs=2, train_size=320, num_samples=64)


def grad_norm_range(rows: list[float]) -> tuple[float, float]:
    """Min and max of the per-epoch gradient norms after the warm-up (the first tenth)."""
    after = rows[max(1, len(rows) // 10) :] or rows
    return min(after), max(after)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from functools import partial

    from groundup.generative.gans import GAN, Critic, Generator
    from groundup.generative.gans.wgan_gp import train_step

    X, y = mnist_digits(cfg)
    rng = ctx.rng(0)
    G = Generator(cfg.latent_dim, (256, 512), 784, generator=rng, **mlp_generator_options(cfg))
    gan = GAN(G, Critic(784, (512, 256), generator=rng), cfg.latent_dim)
    step = partial(train_step, lambda_gp=cfg.lambda_gp)
    summary = run_gan(cfg, ctx, gan, X, y, step, batches_per_step=cfg.n_critic)
    # every epoch's row, including those written before a --resume
    rows = ctx.metrics_path.read_text(encoding="utf-8").splitlines()
    norms = [json.loads(line)["grad_norm"] for line in rows]
    lo, hi = grad_norm_range(norms)
    return summary | {"grad_norm_min": round(lo, 4), "grad_norm_max": round(hi, 4)}


MILESTONE = Milestone(
    name="wgan-gp-mnist",
    title="WGAN-GP (MLP critic without BatchNorm, gradient penalty at interpolates) on MNIST digits",
    phase="Phase 8 (implementation curriculum), week 9",
    target="critic grad norm at interpolates in [0.8, 1.3] after warm-up; FD <= 15 at N = 1,000",
    expected_time="~25 min per 1,000 generator steps at load 30 on 2 cores",
    train=train,
    config=Config,
    check=lambda s: 0.8 <= s["grad_norm_min"] and s["grad_norm_max"] <= 1.3 and s["fd"] <= 15,
)
