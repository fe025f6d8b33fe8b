r"""Milestone ``ddpm-digits``: DDPM with classifier-free guidance on scikit-learn's 8x8 digits (Phase 9).

The research notes' smallest working setup: an MLP denoiser (3 residual SiLU blocks of
256, sinusoidal time embedding, a label table with a "no label" row,
:class:`~groundup.generative.diffusion.ddpm.MLPDenoiser`), labels dropped at
$p_\text{uncond} = 0.1$ (:func:`~groundup.generative.diffusion.classifier_free_guidance.cfg_loss`),
Adam 1e-3 with cosine decay, batch 128, an EMA of the weights (0.999) that samples. Two
budget cuts against the notes (20,000 steps, $T = 1000$) keep it to minutes on a shared
machine: 8,000 steps, and $T = 400$ (TeaPearce's CFG MNIST value) with the linear
schedule's $\beta$ range scaled by $1000/T$, so ancestral sampling is 400 network calls.

The 1,797 digits (pixels 0-16, mapped to $[-1, 1]$) are split once, the same for every
seed: 1,297 training digits, 500 held out. The **judge** is an MLP 64-128-64-10 trained on
the training digits (always with seed 0, so every run is scored by the same network); its
accuracy on the 500 held-out digits is in the summary. Its 64-d second hidden layer gives
the features of the Fréchet distance (the MNIST LeNet of the evaluation package needs
28x28 images): FD of 500 samples against the 500 held-out digits, beside the floor, FD of
500 *real* training digits against the same 500.

Targets: class accuracy of guided samples (50 per class) ≥ 0.95 at $w = 0$ and higher at
$w = 1$; FD at $w = 0$ within 3x the floor. Also reported: $w = 3$ (sharper, less diverse),
DDIM with 50 deterministic steps, and pure noise (the FD of a broken model).
Written: ``samples_w0.png`` and ``samples_w3.png`` (one row per class), ``ddim_w0.png``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

NUM_CLASSES, TEST_SIZE = 10, 500


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``ddpm-digits``."""

    steps: Annotated[int, Min(1)] = 8000
    """Adam steps."""
    batch_size: Annotated[int, Min(1)] = 128
    """Minibatch size."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Peak Adam learning rate (cosine decay to 0)."""
    hidden: Annotated[int, Min(1)] = 256
    """Width of the denoiser's residual blocks."""
    num_blocks: Annotated[int, Min(1)] = 3
    """Residual blocks of the denoiser."""
    timesteps: Annotated[int, Min(2)] = 400
    """T of the linear schedule (beta from 1e-4 to 0.02 scaled by 1000 / T)."""
    p_uncond: Annotated[float, Min(0)] = 0.1
    """Probability of dropping a training label to 'no label'."""
    ema_decay: Annotated[float, Min(0)] = 0.999
    """Decay of the weights' moving average."""
    samples_per_class: Annotated[int, Min(2)] = 50
    """Samples per digit for each guidance weight."""
    ddim_steps: Annotated[int, Min(1)] = 50
    """DDIM steps of the deterministic sampler."""
    log_every: Annotated[int, Min(1)] = 1000
    """Steps per checkpoint and metrics row."""

    def quick(self) -> Config:
        return replace(
            self,
            steps=200,
            hidden=32,
            num_blocks=1,
            timesteps=50,
            samples_per_class=5,
            ddim_steps=10,
            log_every=100,
        )


def load_digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: float32 ``(N, 64)`` in [-1, 1], int64 labels.

    A fixed permutation (seed 0) of the 1,797 digits; the last 500 are held out.
    """
    from groundup.data import registry

    d = registry.load("digits")
    X = (np.asarray(d["data"], dtype=np.float32) / 8.0 - 1.0).reshape(-1, 64)  # 0..16 -> [-1, 1]
    y = np.asarray(d["target"], dtype=np.int64)
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:-TEST_SIZE], order[-TEST_SIZE:]
    return X[train], y[train], X[test], y[test]


class DigitsJudge:
    """An MLP 64-128-64-10 on the training digits: class predictions and 64-d features."""

    def __init__(self, X: np.ndarray, y: np.ndarray, epochs: int = 60) -> None:
        from groundup import Tensor, nn, optim
        from groundup.optimization.losses.cross_entropy import cross_entropy

        rng = np.random.default_rng(0)
        self.body = nn.Sequential(
            nn.Linear(64, 128, generator=rng),
            nn.ReLU(),
            nn.Linear(128, 64, generator=rng),
            nn.ReLU(),
        )
        self.head = nn.Linear(64, NUM_CLASSES, generator=rng)
        params = list(self.body.parameters()) + list(self.head.parameters())
        optimizer = optim.Adam(params, lr=1e-3)
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for i in range(0, len(X), 64):
                idx = order[i : i + 64]
                loss = cross_entropy(self.head(self.body(Tensor(X[idx]))), Tensor(y[idx]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

    def features(self, X: np.ndarray) -> np.ndarray:
        """The second hidden layer (after its ReLU), ``(N, 64)``."""
        from groundup import Tensor, no_grad

        with no_grad():
            return self.body(Tensor(np.asarray(X, dtype=np.float32))).data

    def predict(self, X: np.ndarray) -> np.ndarray:
        from groundup import Tensor, no_grad

        with no_grad():
            return self.head(Tensor(self.features(X))).data.argmax(axis=1)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.diffusion.ddpm import MLPDenoiser
    from groundup.generative.diffusion.noise_schedule import NoiseSchedule
    from groundup.generative.evaluation import frechet_distance
    from groundup.milestones._diffusion import guided_samples, save_image_grid, train_denoiser

    X, y, X_test, y_test = load_digits_split()
    schedule = NoiseSchedule.linear(
        cfg.timesteps, 1e-4 * 1000 / cfg.timesteps, min(0.02 * 1000 / cfg.timesteps, 0.999)
    )
    net = MLPDenoiser(
        64, cfg.hidden, cfg.num_blocks, time_dim=64, num_classes=NUM_CLASSES, generator=ctx.rng(0)
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
    train_seconds = ctx.elapsed()
    judge = DigitsJudge(X, y)
    summary["judge_test_accuracy"] = round(float((judge.predict(X_test) == y_test).mean()), 4)
    ref = judge.features(X_test)  # (500, 64)
    n = cfg.samples_per_class * NUM_CLASSES
    labels = np.repeat(np.arange(NUM_CLASSES), cfg.samples_per_class)  # (n,)
    summary["floor_fd"] = round(frechet_distance(judge.features(X[:n]), ref), 3)
    noise = np.random.default_rng([ctx.seed, 9]).uniform(-1, 1, (n, 64))
    summary["noise_fd"] = round(frechet_distance(judge.features(noise), ref), 3)

    def score(samples: np.ndarray, key: str) -> None:
        x = np.clip(samples, -1.0, 1.0).astype(np.float32)  # (n, 64)
        summary[f"accuracy_{key}"] = round(float((judge.predict(x) == labels).mean()), 4)
        summary[f"fd_{key}"] = round(frechet_distance(judge.features(x), ref), 3)

    def grid(samples: np.ndarray, name: str, title: str) -> None:
        per = cfg.samples_per_class
        rows = np.clip(samples, -1, 1).reshape(NUM_CLASSES, per, 64)[:, : min(per, 10)]
        save_image_grid(ctx, (rows.reshape(-1, 64) + 1) / 2, rows.shape[1], name, title, range(10))

    for w in (0.0, 1.0, 3.0):
        samples = guided_samples(ema, schedule, labels, (64,), w, [ctx.seed, 4, int(w)])
        score(samples, f"w{w:g}")
        if w in (0.0, 3.0):
            grid(
                samples, f"samples_w{w:g}.png", f"DDPM, {cfg.timesteps} ancestral steps, w = {w:g}"
            )
    samples = guided_samples(ema, schedule, labels, (64,), 0.0, [ctx.seed, 5], cfg.ddim_steps)
    score(samples, f"ddim{cfg.ddim_steps}_w0")
    grid(samples, "ddim_w0.png", f"DDIM, {cfg.ddim_steps} steps (eta = 0), w = 0")
    summary["fd_over_floor_w0"] = round(summary["fd_w0"] / summary["floor_fd"], 3)
    summary["train_seconds"] = round(train_seconds, 1)
    summary["seconds"] = round(ctx.elapsed(), 1)
    return summary


def _passed(s: dict[str, Any]) -> bool:
    return (
        s["accuracy_w0"] >= 0.95
        and (s["accuracy_w1"] > s["accuracy_w0"] or s["accuracy_w0"] == 1.0)
        and s["fd_over_floor_w0"] <= 3.0
    )


MILESTONE = Milestone(
    name="ddpm-digits",
    title="DDPM with classifier-free guidance on 8x8 digits: an MLP denoiser, guided samples, DDIM",
    phase="Phase 9 (implementation curriculum; six-month syllabus week 10), weeks 18-19",
    target="class accuracy of guided samples >= 0.95 at w = 0 and higher at w = 1; FD at w = 0 <= 3x the real floor",
    expected_time="~2 min on an idle core (8,000 Adam steps at ~8 ms, then 3 x 400-step sampling of 500 digits)",
    train=train,
    config=Config,
    check=_passed,
)
