"""The epoch loop shared by the classifier milestones (MLP, LeNet, ResNet, ViT on images).

One function, :func:`train_classifier`: minibatches in a seeded order, an optional
augmentation, a step of the optimiser (and of a per-step scheduler), evaluation on the
test set after every epoch, a Rich progress bar, one ``ctx.log`` line per epoch. Its
epochs are the units of the run's :class:`~groundup.milestones.loop.TrainingLoop`: a
checkpoint after every epoch, ``--resume`` continuing exactly where an interrupted run
stopped, and a stop at the first non-finite loss.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup import Tensor, no_grad
from groundup.milestones.base import ConfigError, RunContext


@dataclass
class ClassifierSetup:
    """What :func:`train_classifier` trains, on what, for how long."""

    model: Any
    """A ``groundup.nn.Module`` mapping a float32 batch to logits ``(B, num_classes)``."""
    optimizer: Any
    """A ``groundup.optim`` optimiser over ``model.parameters()``."""
    X_train: np.ndarray
    """Training inputs, float32, first axis the sample."""
    y_train: np.ndarray
    """Training labels, int64 ``(N,)``."""
    X_test: np.ndarray
    """Test inputs, float32."""
    y_test: np.ndarray
    """Test labels, int64."""
    epochs: int
    """Number of passes over the training set."""
    batch_size: int = 128
    """Minibatch size (the last, smaller batch is dropped)."""
    scheduler: Any = None
    """A learning-rate scheduler stepped after every optimiser step (or ``None``)."""
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None
    """Applied to each training batch with the data-order generator."""
    eval_batch_size: int = 500
    """Batch size for evaluation (no gradients)."""


def evaluate(
    model: Any, X: np.ndarray, y: np.ndarray, batch_size: int = 500
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(X, y)``, in eval mode, no gradients."""
    from groundup.optimization.losses.cross_entropy import cross_entropy

    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    with no_grad():
        for i in range(0, len(X), batch_size):
            logits = model(Tensor(X[i : i + batch_size]))
            yb = y[i : i + batch_size]
            total_loss += cross_entropy(logits, Tensor(yb), reduction="sum").item()
            correct += int((logits.data.argmax(axis=1) == yb).sum())
    model.train(was_training)
    return total_loss / len(X), correct / len(X)


def count_parameters(model: Any) -> int:
    """The number of scalars in ``model.parameters()`` (what papers call the model's size)."""
    return sum(p.numel() for p in model.parameters())


def train_classifier(ctx: RunContext, setup: ClassifierSetup) -> dict[str, Any]:
    """Train ``setup.model``; return the summary (size, final and best test accuracy, throughput)."""
    from groundup.optimization.losses.cross_entropy import cross_entropy

    rng = ctx.rng(1)  # data order and augmentation
    n = len(setup.X_train)
    steps_per_epoch = n // setup.batch_size
    if steps_per_epoch == 0:
        raise ConfigError(
            f"--set batch_size={setup.batch_size}: larger than the training set ({n} examples)"
        )
    # running values that survive an interrupt: restored by --resume with the weights
    state = {"best": 0.0, "test_loss": float("nan"), "test_accuracy": 0.0}
    state |= {"images": 0, "train_seconds": 0.0}
    loop = ctx.loop(
        setup.epochs,
        model=setup.model,
        optimizer=setup.optimizer,
        scheduler=setup.scheduler,
        unit="epoch",
        state=state,
    )
    state = loop.state
    with ctx.progress(steps_per_epoch * loop.remaining, ctx.name) as bar:
        for epoch in loop:
            setup.model.train()
            order = rng.permutation(n)
            loss_sum, correct = 0.0, 0
            t0 = time.perf_counter()
            for step in range(steps_per_epoch):
                idx = order[step * setup.batch_size : (step + 1) * setup.batch_size]
                xb, yb = setup.X_train[idx], setup.y_train[idx]
                if setup.augment is not None:
                    xb = setup.augment(xb, rng)
                logits = setup.model(Tensor(xb))
                loss = cross_entropy(logits, Tensor(yb))
                setup.optimizer.zero_grad()
                loss.backward()
                loss_sum += loop.check(loss, where=f"epoch {epoch + 1}, batch {step + 1}")
                setup.optimizer.step()
                if setup.scheduler is not None:
                    setup.scheduler.step()
                correct += int((logits.data.argmax(axis=1) == yb).sum())
                bar.advance(1, epoch=epoch + 1, loss=loss_sum / (step + 1))
            state["train_seconds"] += time.perf_counter() - t0
            state["images"] += steps_per_epoch * setup.batch_size
            test_loss, test_acc = evaluate(
                setup.model, setup.X_test, setup.y_test, setup.eval_batch_size
            )
            state.update(test_loss=test_loss, test_accuracy=test_acc)
            state["best"] = max(state["best"], test_acc)
            lr = setup.optimizer.param_groups[0]["lr"]
            ctx.log(
                epoch + 1,
                train_loss=loss_sum / steps_per_epoch,
                train_accuracy=correct / (steps_per_epoch * setup.batch_size),
                test_loss=test_loss,
                test_accuracy=test_acc,
                lr=lr,
            )
            bar.advance(0, epoch=epoch + 1, test_acc=test_acc)
    seconds = state["train_seconds"]
    return {
        "parameters": count_parameters(setup.model),
        "test_accuracy": state["test_accuracy"],
        "test_loss": state["test_loss"],
        "best_test_accuracy": state["best"],
        "epochs": setup.epochs,
        "images_per_second": round(state["images"] / seconds, 1) if seconds else None,
    }


def random_shift(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Shift each image of a batch by its own random offset in ``[-max_shift, max_shift]``².

    ``images`` has shape ``(B, ..., H, W)`` or ``(B, H*W)`` for square images; the
    vacated border is zero. One vectorised gather over a window view: no loop over images.
    """
    flat = images.ndim == 2
    if flat:
        side = math.isqrt(images.shape[1])
        images = images.reshape(len(images), side, side)
    B, H, W = images.shape[0], images.shape[-2], images.shape[-1]
    m = max_shift
    width = [(0, 0)] * (images.ndim - 2) + [(m, m), (m, m)]
    padded = np.pad(images, width)
    windows = np.lib.stride_tricks.sliding_window_view(
        padded, (H, W), axis=(-2, -1)
    )  # (B, ..., 2m+1, 2m+1, H, W)
    dy = rng.integers(0, 2 * m + 1, size=B)
    dx = rng.integers(0, 2 * m + 1, size=B)
    windows = np.moveaxis(windows, (-4, -3), (1, 2))  # (B, 2m+1, 2m+1, ..., H, W)
    out = windows[np.arange(B), dy, dx]  # (B, ..., H, W)
    return out.reshape(B, -1) if flat else out
