"""The epoch loop shared by the classifier milestones (MLP, LeNet, ResNet, ViT on images).

One function, :func:`train_classifier`: minibatches in a seeded order, an optional
augmentation, a step of the optimiser (and of a per-step scheduler), evaluation on the
test set after every epoch, a Rich progress bar, one ``ctx.log`` line per epoch, and a
checkpoint after every epoch — model, optimiser, scheduler, the data-order generator and
the epoch — so ``--resume`` continues exactly where an interrupted run stopped.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup import Tensor, no_grad
from groundup.milestones.base import RunContext


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


def _flatten(obj: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Replace every array in a nested dict/list by a reference ``{"__array__": key}``."""
    if isinstance(obj, np.ndarray):
        arrays[prefix] = obj
        return {"__array__": prefix}
    if isinstance(obj, Tensor):
        return _flatten(obj.data, prefix, arrays)
    if isinstance(obj, dict):
        return {str(k): _flatten(v, f"{prefix}/{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_flatten(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _unflatten(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            return arrays[obj["__array__"]]
        return {(int(k) if k.isdigit() else k): _unflatten(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unflatten(v, arrays) for v in obj]
    return obj


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        try:
            json.dumps(_flatten(v, k, {}))
            out[k] = v
        except TypeError:  # lambdas, optimisers: rebuilt by the milestone, not saved
            continue
    return out


def save_training_state(
    ctx: RunContext, setup: ClassifierSetup, epoch: int, rng: np.random.Generator, extra: dict
) -> None:
    arrays: dict[str, np.ndarray] = {}
    meta = {
        "epoch": epoch,
        "model": _flatten(setup.model.state_dict(), "model", arrays),
        "optimizer": _flatten(setup.optimizer.state_dict(), "optimizer", arrays),
        "scheduler": _flatten(_jsonable(setup.scheduler.state_dict()), "scheduler", arrays)
        if setup.scheduler
        else None,
        "rng": rng.bit_generator.state,
        **extra,
    }
    ctx.save_checkpoint(arrays, meta)


def load_training_state(
    ctx: RunContext, setup: ClassifierSetup, rng: np.random.Generator
) -> dict | None:
    loaded = ctx.load_checkpoint()
    if loaded is None:
        return None
    arrays, meta = loaded
    setup.model.load_state_dict(_unflatten(meta["model"], arrays))
    setup.optimizer.load_state_dict(_unflatten(meta["optimizer"], arrays))
    if setup.scheduler is not None and meta.get("scheduler") is not None:
        setup.scheduler.load_state_dict(_unflatten(meta["scheduler"], arrays))
    rng.bit_generator.state = meta["rng"]
    return meta


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


def train_classifier(ctx: RunContext, setup: ClassifierSetup) -> dict[str, Any]:
    """Train ``setup.model``; return the summary (final and best test accuracy, throughput)."""
    from groundup.optimization.losses.cross_entropy import cross_entropy

    rng = ctx.rng(1)  # data order and augmentation
    start_epoch, best = 0, 0.0
    if ctx.resumed:
        meta = load_training_state(ctx, setup, rng)
        if meta is not None:
            start_epoch, best = meta["epoch"] + 1, meta.get("best_test_accuracy", 0.0)
            ctx.console.print(f"resumed {ctx.out_dir} after epoch {meta['epoch'] + 1}")

    n = len(setup.X_train)
    steps_per_epoch = n // setup.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch_size {setup.batch_size} is larger than the training set ({n})")
    test_loss, test_acc = float("nan"), 0.0
    images, train_seconds = 0, 0.0
    with ctx.progress(steps_per_epoch * (setup.epochs - start_epoch), ctx.name) as bar:
        for epoch in range(start_epoch, setup.epochs):
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
                setup.optimizer.step()
                if setup.scheduler is not None:
                    setup.scheduler.step()
                loss_sum += loss.item()
                correct += int((logits.data.argmax(axis=1) == yb).sum())
                bar.advance(1, epoch=epoch + 1, loss=loss_sum / (step + 1))
            train_seconds += time.perf_counter() - t0
            images += steps_per_epoch * setup.batch_size
            test_loss, test_acc = evaluate(
                setup.model, setup.X_test, setup.y_test, setup.eval_batch_size
            )
            best = max(best, test_acc)
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
            save_training_state(ctx, setup, epoch, rng, {"best_test_accuracy": best})
    return {
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "best_test_accuracy": best,
        "epochs": setup.epochs,
        "images_per_second": round(images / train_seconds, 1) if train_seconds else None,
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
