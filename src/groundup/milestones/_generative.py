"""What the autoencoder milestones share: MNIST as flat [0, 1] vectors, image grids, metrics."""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.milestones.base import RunContext


def load_flat_digits(
    train_size: int | None = None, test_size: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` of mnist-5k: float32 ``(N, 784)`` in [0, 1], int64 labels."""
    from groundup import data

    d = data.load("mnist-5k")
    (Xtr, ytr), (Xte, yte) = d["train"], d["test"]
    flat = [(X.reshape(len(X), 784).astype(np.float32) / 255.0) for X in (Xtr, Xte)]
    return (
        flat[0][:train_size],
        ytr[:train_size].astype(np.int64),
        flat[1][:test_size],
        yte[:test_size].astype(np.int64),
    )


def save_grid(
    ctx: RunContext, images: np.ndarray, ncols: int, name: str, title: str, row_labels: Any = None
) -> None:
    """Images ``(n, 784)`` (or ``(n, 28, 28)``) in [0, 1] as one grey grid PNG in the run directory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.asarray(images).reshape(-1, 28, 28)
    nrows = -(-len(x) // ncols)
    canvas = np.ones((nrows * 30, ncols * 30), dtype=np.float32)
    for i, img in enumerate(x):
        r, c = divmod(i, ncols)
        canvas[r * 30 + 1 : r * 30 + 29, c * 30 + 1 : c * 30 + 29] = 1.0 - img  # black on white
    fig, ax = plt.subplots(figsize=(ncols * 0.6 + 0.6, nrows * 0.6 + 0.6))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    if row_labels is not None:
        ax.set_yticks(np.arange(nrows) * 30 + 14, [str(v) for v in row_labels])
    else:
        ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    ctx.save_figure(fig, name)


def sample_metrics(images: np.ndarray, labels: Any = None) -> dict[str, float]:
    """:func:`~groundup.generative.evaluation.evaluate_samples`, rounded for the summary."""
    from groundup.generative.evaluation import evaluate_samples

    return {k: round(float(v), 4) for k, v in evaluate_samples(images, labels).items()}
