r"""What the GAN milestones share: data, the epoch loop, sample grids and the evaluation.

Every GAN milestone (``gan-mnist``, ``dcgan-mnist``, ``wgan-gp-mnist``, ``cgan-mnist``,
``dcgan-cifar10``) trains a :class:`~groundup.generative.gans.vanilla_gan.GAN` on digits
scaled to $[-1, 1]$, one checkpoint per epoch (generator, discriminator and both Adam
states), and writes ``samples_epoch_NNN.png`` (a grid from a fixed $z$, so the epochs can
be compared) after each epoch. At the end it draws ``num_samples`` digits and reports the
Fréchet distance, precision and recall against the 1,000 test digits, beside the same
metrics for as many *real* training digits (the floor:
:func:`~groundup.generative.evaluation.evaluate_samples`).
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import ConfigError, Min, RunConfig, RunContext
from groundup.utils.atomic_io import atomic_file


@dataclass(frozen=True)
class GANConfig(RunConfig):
    """Options every GAN milestone has."""

    epochs: Annotated[int, Min(1)] = 130
    """Passes over the training digits (62 steps each at batch 64; one grid and checkpoint each)."""
    batch_size: Annotated[int, Min(2)] = 64
    """Minibatch size."""
    latent_dim: Annotated[int, Min(1)] = 64
    """Size of the noise z."""
    lr: Annotated[float, Min(0, exclusive=True)] = 2e-4
    """Adam learning rate (both players)."""
    beta1: Annotated[float, Min(0)] = 0.5
    """Adam's beta1 (DCGAN's 0.5)."""
    beta2: Annotated[float, Min(0)] = 0.999
    """Adam's beta2."""
    train_size: Annotated[int | None, Min(2)] = None
    """Use the first N training digits (none: all 4,000)."""
    num_samples: Annotated[int, Min(4)] = 1000
    """Generated digits scored at the end (N >= 1,000 for a stable FD)."""
    eval_every: Annotated[int, Min(0)] = 10
    """Also score num_samples digits every K epochs (0: only at the end)."""


@dataclass(frozen=True)
class MLPGANConfig(GANConfig):
    """Options of the milestones with an MLP generator (``gan``, ``wgan-gp``, ``cgan``)."""

    batch_norm: bool = True
    """BatchNorm after each hidden layer of G (PyTorch-GAN's ``gan.py``; false: plain MLP)."""
    negative_slope: float = 0.2
    """LeakyReLU slope of G's hidden layers (0: ReLU)."""


def mlp_generator_options(cfg: MLPGANConfig) -> dict[str, Any]:
    """The generator keywords a :class:`MLPGANConfig` sets."""
    return {"batch_norm": cfg.batch_norm, "negative_slope": cfg.negative_slope}


class OptimizerPair:
    """The generator's and the discriminator's optimisers, saved and restored as one."""

    def __init__(self, generator: Any, discriminator: Any) -> None:
        self.generator, self.discriminator = generator, discriminator

    def state_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])


def adam_pair(gan: Any, cfg: GANConfig) -> OptimizerPair:
    """Adam for each player with the configured lr and betas."""
    from groundup import optim

    def adam(module: Any) -> Any:
        return optim.Adam(module.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))

    return OptimizerPair(adam(gan.generator), adam(gan.discriminator))


def mnist_digits(cfg: GANConfig, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The training digits in $[-1, 1]$: ``(N, 784)`` (or ``(N, 1, 28, 28)``) float32, and labels ``(N,)``."""
    from groundup import data

    X, y = data.load("mnist-5k")["train"]
    X, y = X[: cfg.train_size], y[: cfg.train_size].astype(np.int64)
    if len(X) < cfg.batch_size:
        raise ConfigError(
            f"--set batch_size={cfg.batch_size}: larger than the {len(X)} training digits"
        )
    # $x \in \{0..255\} \mapsto x/127.5 - 1 \in [-1, 1]$, the range of G's tanh
    X = (X.astype(np.float32) / 127.5 - 1.0).reshape(len(X), -1)
    return (X.reshape(-1, 1, 28, 28) if images else X), y


def to_unit(images: np.ndarray) -> np.ndarray:
    """Generated images from $[-1, 1]$ back to $[0, 1]$, clipped."""
    return np.clip((np.asarray(images, np.float32) + 1.0) / 2.0, 0.0, 1.0)


def write_png(path: Path, image: np.ndarray) -> Path:
    """Write an 8-bit greyscale ``(H, W)`` or RGB ``(H, W, 3)`` image in ``[0, 1]`` as a PNG, atomically."""
    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    H, W = pixels.shape[:2]
    colour = 2 if pixels.ndim == 3 else 0
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(H))  # filter 0 on every row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", W, H, 8, colour, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
    with atomic_file(path, "wb") as f:
        f.write(png)
    return path


def image_grid(images: np.ndarray, rows: int, pad: int = 2) -> np.ndarray:
    """``(N, C, H, W)`` or ``(N, H*W)`` images in ``[0, 1]`` tiled into one ``(rows*(H+pad), ...)`` image."""
    x = np.asarray(images)
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        x = x.reshape(-1, 1, side, side)
    N, C, H, W = x.shape
    cols = -(-N // rows)
    grid = np.ones((rows * (H + pad) + pad, cols * (W + pad) + pad, C), np.float32)
    for i in range(N):
        r, c = divmod(i, cols)
        top, left = pad + r * (H + pad), pad + c * (W + pad)
        grid[top : top + H, left : left + W] = x[i].transpose(1, 2, 0)
    return grid[..., 0] if C == 1 else grid


def evaluate(images: np.ndarray, labels: np.ndarray | None = None) -> dict[str, Any]:
    """FD, precision, recall (and class accuracy) of generated digits in $[-1, 1]$, with the real floor."""
    from groundup.generative.evaluation import evaluate_samples

    scores = evaluate_samples(to_unit(images).reshape(len(images), 28, 28), labels=labels)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in scores.items()}


def run_gan(
    cfg: GANConfig,
    ctx: RunContext,
    gan: Any,
    X: np.ndarray,
    y: np.ndarray,
    step: Callable[..., dict[str, float]],
    batches_per_step: int = 1,
    conditional: bool = False,
    score: bool = True,
) -> dict[str, Any]:
    """Train ``gan`` for ``cfg.epochs`` epochs with ``step``; grids per epoch; the final scores.

    ``step(gan, opt_g, opt_d, batch, rng, check, labels)`` is the algorithm's train step
    (``batch`` is a list of ``batches_per_step`` real batches for WGAN-GP's critic steps).
    ``loop.state`` keeps per-epoch running values across a resume.
    """
    from groundup import Tensor

    optimizers = adam_pair(gan, cfg)
    rng = ctx.rng(1)  # data order, z and alpha
    per_step = cfg.batch_size * batches_per_step
    steps = len(X) // per_step
    if steps == 0:
        raise ConfigError(f"{ctx.name}: {len(X)} digits are fewer than one step's {per_step}")
    grid_z_rng = ctx.rng(2)  # the fixed z of the sample grids (drawn afresh from the same seed)
    grid_state = grid_z_rng.bit_generator.state
    grid_labels = np.tile(np.arange(10), 8) if conditional else None  # column d: digit d
    loop = ctx.loop(cfg.epochs, model=gan, optimizer=optimizers, unit="epoch")

    def check(loss: Any, model: Any) -> float:
        return loop.check(loss, model=model)

    def sample(n: int, rng_: np.random.Generator, labels: np.ndarray | None) -> np.ndarray:
        return gan.sample(n, rng_, labels=labels) if labels is not None else gan.sample(n, rng_)

    history: dict[str, Any] = {}
    with ctx.progress(steps * loop.remaining, ctx.name) as bar:
        for epoch in loop:
            order = rng.permutation(len(X))
            sums: dict[str, float] = {}
            for s in range(steps):
                idx = order[s * per_step : (s + 1) * per_step].reshape(
                    batches_per_step, cfg.batch_size
                )
                batch = [Tensor(X[i]) for i in idx]
                if conditional:
                    out = step(
                        gan,
                        optimizers.generator,
                        optimizers.discriminator,
                        batch[0],
                        y[idx[0]],
                        rng,
                        check=check,
                    )
                elif batches_per_step > 1:
                    out = step(
                        gan, optimizers.generator, optimizers.discriminator, batch, rng, check=check
                    )
                else:
                    out = step(
                        gan,
                        optimizers.generator,
                        optimizers.discriminator,
                        batch[0],
                        rng,
                        check=check,
                    )
                for k, v in out.items():
                    sums[k] = sums.get(k, 0.0) + v
                bar.advance(
                    1, epoch=epoch + 1, d=sums["d_loss"] / (s + 1), g=sums["g_loss"] / (s + 1)
                )
            row = {k: v / steps for k, v in sums.items()}
            grid_z_rng.bit_generator.state = grid_state
            grid = sample(80, grid_z_rng, grid_labels)
            write_png(
                ctx.out_dir / f"samples_epoch_{epoch + 1:03d}.png",
                image_grid(to_unit(grid), rows=8),
            )
            if (
                cfg.eval_every
                and (epoch + 1) % cfg.eval_every == 0
                and epoch + 1 < cfg.epochs
                and score
            ):
                labels = np.arange(cfg.num_samples) % 10 if conditional else None
                scores = evaluate(sample(cfg.num_samples, ctx.rng(3), labels), labels)
                row |= {
                    k: scores[k]
                    for k in ("fd", "precision", "recall", "class_accuracy")
                    if k in scores
                }
            ctx.log(epoch + 1, **row)
            history = row
    ctx.x_label = "epoch"
    summary: dict[str, Any] = {"epochs": cfg.epochs, "steps": steps * cfg.epochs}
    summary |= {f"last_epoch_{k}": round(v, 4) for k, v in history.items()}
    if score:
        labels = np.arange(cfg.num_samples) % 10 if conditional else None
        summary |= evaluate(sample(cfg.num_samples, ctx.rng(4), labels), labels)
    return summary
