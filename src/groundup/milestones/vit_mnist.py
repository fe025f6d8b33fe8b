r"""Milestone ``vit-mnist``: a Vision Transformer on real MNIST digits (Phase 6).

A ViT has none of a CNN's built-in assumptions (locality, translation equivariance):
it must learn them from data, and 4,000 training digits are few. Random shifts of up
to 2 pixels (every epoch a slightly different training set), AdamW with weight decay
and a warm-up + cosine schedule
$\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t/T))$ after a linear
warm-up carry a small ViT (7x7 patches, 16 tokens + class token, width 64, 4 layers)
past 95% test accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Max, Milestone, Min, RunConfig, RunContext
from groundup.milestones.training import ClassifierSetup, random_shift, train_classifier


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``vit-mnist``."""

    epochs: Annotated[int, Min(1)] = 40
    """Passes over the training set."""
    patch_size: Annotated[int, Min(1)] = 7
    """Patch side in pixels (must divide 28)."""
    dim: Annotated[int, Min(1)] = 64
    """Token width."""
    depth: Annotated[int, Min(1)] = 4
    """Encoder layers."""
    heads: Annotated[int, Min(1)] = 4
    """Attention heads (must divide dim)."""
    mlp_dim: Annotated[int, Min(1)] = 128
    """Feed-forward width."""
    dropout: Annotated[float, Min(0), Max(1, exclusive=True)] = 0.0
    """Dropout probability."""
    lr: Annotated[float, Min(0, exclusive=True)] = 2e-3
    """Peak AdamW learning rate (cosine decay to 1e-5)."""
    weight_decay: Annotated[float, Min(0)] = 0.05
    """AdamW weight decay."""
    warmup: Annotated[int, Min(0)] = 200
    """Linear warm-up steps (at most a tenth of the run)."""
    shift: Annotated[int, Min(0)] = 2
    """Random shift in pixels; 0 turns augmentation off."""
    batch_size: Annotated[int, Min(1)] = 64
    """Minibatch size."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all 4,000)."""
    test_size: Annotated[int | None, Min(1)] = None
    """Use the first N test digits (none: all 1,000)."""

    def quick(self) -> Config:
        return replace(self, epochs=6, dim=32, depth=1, mlp_dim=64, train_size=768, test_size=200)

    def resolve(self) -> Config:
        from groundup.milestones.base import ConfigError

        if 28 % self.patch_size:
            raise ConfigError(f"--set patch_size={self.patch_size}: must divide 28")
        if self.dim % self.heads:
            raise ConfigError(f"heads={self.heads} must divide dim={self.dim}")
        return self


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup import data, optim
    from groundup.sequence.transformers.vit import ViT

    d = data.load("mnist-5k")
    (X_train, y_train), (X_test, y_test) = d["train"], d["test"]
    X_train, y_train = X_train[: cfg.train_size], y_train[: cfg.train_size]
    X_test, y_test = X_test[: cfg.test_size], y_test[: cfg.test_size]
    # uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1]
    X_train, X_test = (X[:, None].astype(np.float32) / 255.0 for X in (X_train, X_test))
    model = ViT(
        image_size=28,
        patch_size=cfg.patch_size,
        num_classes=10,
        dim=cfg.dim,
        depth=cfg.depth,
        heads=cfg.heads,
        mlp_dim=cfg.mlp_dim,
        dropout=cfg.dropout,
        generator=ctx.rng(0),
    )
    optimizer = optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total = cfg.epochs * (len(X_train) // cfg.batch_size)
    scheduler = optim.lr_scheduler.WarmupCosineLR(
        optimizer, min(cfg.warmup, total // 10), max(total, 1), min_lr=1e-5
    )
    shift = cfg.shift
    setup = ClassifierSetup(
        model,
        optimizer,
        X_train,
        y_train.astype(np.int64),
        X_test,
        y_test.astype(np.int64),
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        scheduler=scheduler,
        augment=(lambda xb, rng: random_shift(xb, rng, shift)) if shift > 0 else None,
    )
    return train_classifier(ctx, setup)


MILESTONE = Milestone(
    name="vit-mnist",
    title="Vision Transformer (7x7 patches, width 64, 4 layers) on 4,000 real MNIST digits",
    phase="Phase 6 (implementation curriculum), week 13",
    target="test_accuracy >= 0.95 on mnist-5k",
    expected_time="~14 min on a busy machine (40 epochs; ~120 s CPU)",
    train=train,
    config=Config,
    check=lambda s: s["test_accuracy"] >= 0.95,
)
