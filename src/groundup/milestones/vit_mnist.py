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

from typing import Any

import numpy as np

from groundup.milestones.base import Milestone, RunContext
from groundup.milestones.training import ClassifierSetup, random_shift, train_classifier


def train(ctx: RunContext) -> dict[str, Any]:
    from groundup import data, optim
    from groundup.sequence.transformers.vit import ViT

    d = data.load("mnist-5k")
    (X_train, y_train), (X_test, y_test) = d["train"], d["test"]
    if ctx.quick:
        X_train, y_train, X_test, y_test = X_train[:768], y_train[:768], X_test[:200], y_test[:200]
    # uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1]
    X_train, X_test = (X[:, None].astype(np.float32) / 255.0 for X in (X_train, X_test))
    q = ctx.quick
    epochs = ctx.epochs or (6 if q else ctx.option("epochs", 40))
    batch_size = ctx.option("batch_size", 64)
    model = ViT(
        image_size=28,
        patch_size=ctx.option("patch_size", 7),
        num_classes=10,
        dim=ctx.option("dim", 32 if q else 64),
        depth=ctx.option("depth", 1 if q else 4),
        heads=ctx.option("heads", 4),
        mlp_dim=ctx.option("mlp_dim", 64 if q else 128),
        dropout=ctx.option("dropout", 0.0),
        generator=ctx.rng(0),
    )
    optimizer = optim.AdamW(
        model.parameters(), lr=ctx.option("lr", 2e-3), weight_decay=ctx.option("weight_decay", 0.05)
    )
    total = epochs * (len(X_train) // batch_size)
    scheduler = optim.lr_scheduler.WarmupCosineLR(
        optimizer, min(ctx.option("warmup", 200), total // 10), total, min_lr=1e-5
    )
    shift = ctx.option("shift", 2)
    setup = ClassifierSetup(
        model,
        optimizer,
        X_train,
        y_train.astype(np.int64),
        X_test,
        y_test.astype(np.int64),
        epochs=epochs,
        batch_size=batch_size,
        scheduler=scheduler,
        augment=(lambda xb, rng: random_shift(xb, rng, shift)) if shift > 0 else None,
    )
    return train_classifier(ctx, setup)


MILESTONE = Milestone(
    name="vit-mnist",
    title="Vision Transformer (7x7 patches, width 64, 4 layers) on 4,000 real MNIST digits",
    phase="Phase 6 (implementation curriculum)",
    target="test_accuracy >= 0.95 on mnist-5k",
    expected_time="~14 min on a busy machine (40 epochs; ~120 s CPU)",
    train=train,
    check=lambda s: s["test_accuracy"] >= 0.95,
    options={
        "epochs": "passes over the training set (default 40)",
        "patch_size": "patch side in pixels (default 7)",
        "dim": "token width (default 64)",
        "depth": "encoder layers (default 4)",
        "heads": "attention heads (default 4)",
        "mlp_dim": "feed-forward width (default 128)",
        "dropout": "dropout probability (default 0)",
        "lr": "peak AdamW learning rate (default 2e-3)",
        "weight_decay": "AdamW weight decay (default 0.05)",
        "warmup": "warm-up steps (default 200)",
        "shift": "random shift in pixels, 0 turns augmentation off (default 2)",
        "batch_size": "minibatch size (default 64)",
    },
)
