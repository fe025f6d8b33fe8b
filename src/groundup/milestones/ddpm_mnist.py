r"""Milestone ``ddpm-mnist``: a DDPM U-Net on 4,000 MNIST digits, sampled with DDIM (Phase 9).

The curriculum's Phase 9 milestone ("Train DDPM on MNIST. Generate samples with DDIM"):
the small U-Net of :class:`~groundup.generative.diffusion.unet.DiffusionUNet` (residual
blocks with GroupNorm, SiLU and a time shift; 28, 14, 7 pixels with
``base_channels * (1, 2, 2)`` channels), a label with classifier-free guidance's "no label"
row ($p_\text{uncond} = 0.1$), linear schedule with $T = 1000$, Adam with cosine decay, an
EMA of the weights that samples. Digits are mnist-5k's 4,000 training images mapped to
$[-1, 1]$.

Evaluation (:func:`~groundup.generative.evaluation.evaluate_samples`): FD, precision,
recall and class entropy of ``num_samples`` DDIM samples ($\eta = 0$, 50 steps, $w = 0$,
labels 0-9 in equal numbers) on the evaluation package's LeNet features, against the
1,000 test digits, beside the real-vs-real floor at the same N; and the class accuracy of
the samples. Target: FD ≤ 20.

Written: ``ddim_samples.png`` (DDIM-50) and ``ancestral_samples.png`` ($T$ ancestral steps),
one row per digit.

**Cost.** One training step of the default U-Net (16-32-32 channels, 176k parameters,
batch 64) measured 1.39 s of CPU time against PyTorch's 0.32 s (``python -m benchmarks
diffusion --clock cpu``), and a guided sampling step on 64 digits 0.81 s. The 5,000 steps
of the research notes' budget are then about 2 hours of one core, DDIM-50 on 1,000 digits
about 10 min and the ancestral grid (100 digits, $T$ = 1,000 calls) about 20 min: feasible
on an idle machine, not on the shared 2 cores of the session that wrote it (load 15-30,
where one step took 27 s of wall time). ``--quick`` runs in seconds and checks only the
plumbing; ``docs/results.md`` says what was measured.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

NUM_CLASSES = 10


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``ddpm-mnist``."""

    steps: Annotated[int, Min(1)] = 5000
    """Adam steps."""
    batch_size: Annotated[int, Min(1)] = 64
    """Minibatch size."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Peak Adam learning rate (cosine decay to 0)."""
    base_channels: Annotated[int, Min(1)] = 16
    """U-Net channels at 28x28 (x2 at 14x14 and 7x7)."""
    timesteps: Annotated[int, Min(2)] = 1000
    """T of the linear schedule."""
    p_uncond: Annotated[float, Min(0)] = 0.1
    """Probability of dropping a training label to 'no label'."""
    ema_decay: Annotated[float, Min(0)] = 0.995
    """Decay of the weights' moving average."""
    num_samples: Annotated[int, Min(10)] = 1000
    """DDIM samples for FD, precision and recall (a multiple of 10)."""
    ddim_steps: Annotated[int, Min(1)] = 50
    """Steps of the DDIM sampler."""
    grid_per_class: Annotated[int, Min(1)] = 10
    """Ancestral samples per digit in ancestral_samples.png."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all 4,000)."""
    log_every: Annotated[int, Min(1)] = 250
    """Steps per checkpoint and metrics row."""

    def quick(self) -> Config:
        return replace(
            self,
            steps=6,
            batch_size=8,
            base_channels=8,
            timesteps=20,
            num_samples=20,
            ddim_steps=5,
            grid_per_class=1,
            train_size=256,
            log_every=3,
        )


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.diffusion.noise_schedule import NoiseSchedule
    from groundup.generative.diffusion.unet import DiffusionUNet
    from groundup.milestones._diffusion import guided_samples, save_image_grid, train_denoiser
    from groundup.milestones._generative import load_flat_digits, sample_metrics

    if cfg.num_samples % NUM_CLASSES:
        raise ValueError(f"num_samples must be a multiple of 10, got {cfg.num_samples}")
    X, y, _, _ = load_flat_digits(cfg.train_size)
    X = (X * 2.0 - 1.0).reshape(-1, 1, 28, 28)  # [0, 1] -> [-1, 1]
    schedule = NoiseSchedule.linear(
        cfg.timesteps, 1e-4 * 1000 / cfg.timesteps, min(0.02 * 1000 / cfg.timesteps, 0.999)
    )
    net = DiffusionUNet(
        1,
        cfg.base_channels,
        (1, 2, 2),
        groups=8,
        time_dim=32,
        num_classes=NUM_CLASSES,
        generator=ctx.rng(0),
    )
    ema, summary = train_denoiser(
        ctx,
        net,
        X,
        y,
        schedule,
        steps=cfg.steps,
        log_every=cfg.log_every,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        p_uncond=cfg.p_uncond,
        ema_decay=cfg.ema_decay,
    )
    summary["train_seconds"] = round(ctx.elapsed(), 1)

    def unit(x: np.ndarray) -> np.ndarray:
        return (np.clip(x, -1.0, 1.0) + 1.0) / 2.0  # (N, 1, 28, 28) in [0, 1]

    labels = np.repeat(np.arange(NUM_CLASSES), cfg.num_samples // NUM_CLASSES)
    t0 = ctx.elapsed()
    ddim = unit(
        guided_samples(ema, schedule, labels, (1, 28, 28), 0.0, [ctx.seed, 4], cfg.ddim_steps, 250)
    )
    summary["ddim_seconds"] = round(ctx.elapsed() - t0, 1)
    metrics = sample_metrics(ddim, labels)
    summary |= {
        k: metrics[k] for k in ("fd", "precision", "recall", "class_entropy", "class_accuracy")
    }
    summary |= {k: metrics[k] for k in ("floor_fd", "floor_precision", "floor_recall", "n")}
    per = cfg.num_samples // NUM_CLASSES
    shown = min(per, 10)
    grid = ddim.reshape(NUM_CLASSES, per, 28, 28)[:, :shown].reshape(-1, 28, 28)
    save_image_grid(
        ctx, grid, shown, "ddim_samples.png", f"DDIM, {cfg.ddim_steps} steps (eta = 0)", range(10)
    )
    grid_labels = np.repeat(np.arange(NUM_CLASSES), cfg.grid_per_class)
    t0 = ctx.elapsed()
    ancestral = unit(
        guided_samples(ema, schedule, grid_labels, (1, 28, 28), 0.0, [ctx.seed, 5], None, 250)
    )
    summary["ancestral_seconds"] = round(ctx.elapsed() - t0, 1)
    save_image_grid(
        ctx,
        ancestral,
        cfg.grid_per_class,
        "ancestral_samples.png",
        f"DDPM, {cfg.timesteps} ancestral steps",
        range(10),
    )
    summary["seconds"] = round(ctx.elapsed(), 1)
    return summary


MILESTONE = Milestone(
    name="ddpm-mnist",
    title="DDPM U-Net (GroupNorm, time embedding, CFG label) on 4,000 MNIST digits, sampled with DDIM-50",
    phase="Phase 9 (implementation curriculum; six-month syllabus week 10), weeks 18-20",
    target="FD <= 20 of 1,000 DDIM-50 samples on the evaluation package's LeNet features (floor reported)",
    expected_time="~2.5 h on an idle core (5,000 steps at ~1.4 s, then DDIM-50 on 1,000 digits and the ancestral grid)",
    train=train,
    config=Config,
    check=lambda s: s["fd"] <= 20.0,
)
