"""The epoch loop shared by the classifier milestones (MLP, LeNet, ResNet, ViT on images).

One function, :func:`train_classifier`: minibatches in a seeded order, an optional
augmentation, a step of the optimiser (and of a per-step scheduler), evaluation on the
test set after every epoch, a Rich progress bar, one ``ctx.log`` line per epoch, and a
checkpoint after every epoch — model, optimiser, scheduler, the data-order generator and
the epoch — so ``--resume`` continues exactly where an interrupted run stopped.
"""

from __future__ import annotations

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


def _plain(obj: Any) -> Any:
    """Tensors (as :func:`groundup.nn.load` returns them) back to the arrays optimisers keep."""
    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_plain(v) for v in obj)
    return obj


def _plain_dict(d: Any) -> dict:
    """A loaded (ordered, nested) mapping as plain dicts, as ``bit_generator.state`` wants."""
    return {k: _plain_dict(v) if isinstance(v, dict) else v for k, v in d.items()}


def _storable(d: dict[str, Any]) -> dict[str, Any]:
    """The entries of a scheduler's state that a checkpoint can hold (not its lambdas)."""

    def has_callable(v: Any) -> bool:
        return callable(v) or (isinstance(v, list | tuple) and any(callable(x) for x in v))

    return {k: v for k, v in d.items() if not has_callable(v)}


def _generators(model: Any) -> list[np.random.Generator]:
    """Every generator a forward pass may draw from (dropout masks), in a fixed order."""
    from groundup.utils.seeding import default_generator

    found = [default_generator()]
    for module in model.modules():
        g = getattr(module, "generator", None)
        if isinstance(g, np.random.Generator) and all(g is not f for f in found):
            found.append(g)
    return found


def save_training_state(
    ctx: RunContext, setup: ClassifierSetup, epoch: int, rng: np.random.Generator, extra: dict
) -> None:
    """Model, optimiser, scheduler, data-order generator and epoch, in one atomic ``.npz``."""
    from groundup.nn import save

    state = {
        "epoch": epoch,
        "model": setup.model.state_dict(),
        "optimizer": setup.optimizer.state_dict(),
        "scheduler": _storable(setup.scheduler.state_dict()) if setup.scheduler else None,
        "rng": rng.bit_generator.state,
        "model_rngs": [g.bit_generator.state for g in _generators(setup.model)],
        **extra,
    }
    save(state, ctx.checkpoint_path)


def load_training_state(
    ctx: RunContext, setup: ClassifierSetup, rng: np.random.Generator
) -> dict | None:
    """Restore what :func:`save_training_state` wrote; ``None`` if there is no checkpoint."""
    from groundup.nn import load

    if not ctx.checkpoint_path.exists():
        return None
    state = load(ctx.checkpoint_path)
    setup.model.load_state_dict(state["model"])
    setup.optimizer.load_state_dict(_plain(state["optimizer"]))
    if setup.scheduler is not None and state["scheduler"] is not None:
        setup.scheduler.load_state_dict(_plain(dict(state["scheduler"])))
    rng.bit_generator.state = _plain_dict(state["rng"])
    for g, saved in zip(_generators(setup.model), state["model_rngs"]):
        g.bit_generator.state = _plain_dict(saved)
    return state


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
        "parameters": count_parameters(setup.model),
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
