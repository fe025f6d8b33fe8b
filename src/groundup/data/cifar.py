"""CIFAR-10's "python version": pickled batches of 10,000 images each.

Each batch file (``data_batch_1`` ... ``data_batch_5``, ``test_batch``) is a pickled
``dict`` with bytes keys: ``b"data"`` a uint8 array of shape ``(10000, 3072)`` (each row
the red, green then blue 32×32 planes, row-major) and ``b"labels"`` a list of 10,000
ints in ``0..9``. ``batches.meta`` holds ``b"label_names"``.

Pickle can run code when it loads: only read batch files from the official archive
(checked against its SHA-256 by the downloader) or that you trust.

>>> import tempfile, numpy as np
>>> folder = Path(tempfile.mkdtemp())
>>> write_cifar_batch(folder / "test_batch", np.zeros((2, 3, 32, 32), np.uint8), [3, 5])
>>> X, y = read_cifar_batch(folder / "test_batch")
>>> X.shape, y.tolist()
((2, 3, 32, 32), [3, 5])
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from groundup.data.errors import CorruptFileError

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
#: The ten classes, in label order (as in ``batches.meta``).
CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 python batch.

    Parameters
    ----------
    path : Path
        A batch file such as ``cifar-10-batches-py/data_batch_1``.

    Returns
    -------
    X : ndarray of shape (N, 3, 32, 32), uint8
    y : ndarray of shape (N,), int64, values in 0..9
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise CorruptFileError(f"{path}: not a readable CIFAR-10 pickle batch ({exc!r})") from exc
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise CorruptFileError(
            f"{path}: a CIFAR-10 batch is a dict with keys b'data' and b'labels', got {keys}"
        )
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=None if len(batch[b"labels"]) else np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise CorruptFileError(
            f"{path}: b'data' must be uint8 of shape (N, 3072), got {data.dtype} {data.shape}"
        )
    if labels.shape != (data.shape[0],) or labels.dtype.kind not in "iu":
        raise CorruptFileError(
            f"{path}: b'labels' must be {data.shape[0]} ints, got {labels.dtype} {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise CorruptFileError(
            f"{path}: labels must be in 0..9, got {labels.min()}..{labels.max()}"
        )
    X = data.reshape(-1, 3, 32, 32)  # (N, C, H, W)
    return X.copy(), labels.astype(np.int64)


def write_cifar_batch(path: Path, X: np.ndarray, y: np.ndarray | list[int]) -> None:
    """Write images ``X`` of shape (N, 3, 32, 32) uint8 and labels ``y`` (N,) as a CIFAR-10 batch."""
    X = np.asarray(X)
    if X.dtype != np.uint8 or X.shape[1:] != (3, 32, 32):
        raise ValueError(
            f"write_cifar_batch: X must be uint8 of shape (N, 3, 32, 32), got {X.dtype} {X.shape}"
        )
    batch = {
        b"data": X.reshape(len(X), 3 * 32 * 32),
        b"labels": [int(v) for v in y],
        b"batch_label": b"groundup",
    }
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


def read_cifar10_folder(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read a ``cifar-10-batches-py`` folder.

    Returns
    -------
    dict
        ``{"train": (X, y), "test": (X, y)}``; ``X`` uint8 ``(50000, 3, 32, 32)`` and
        ``(10000, 3, 32, 32)``, ``y`` int64. (Any number of images per batch is accepted.)
    """
    folder = Path(folder)
    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if not (folder / n).is_file()]
    if missing:
        raise CorruptFileError(
            f"{folder}: not a cifar-10-batches-py folder, missing {', '.join(missing)}"
        )
    parts = [read_cifar_batch(folder / n) for n in TRAIN_BATCHES]
    X_train = np.concatenate([p[0] for p in parts])  # (50000, 3, 32, 32)
    y_train = np.concatenate([p[1] for p in parts])  # (50000,)
    return {"train": (X_train, y_train), "test": read_cifar_batch(folder / TEST_BATCH)}
