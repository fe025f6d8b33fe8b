"""Datasets, as in ``torch.utils.data``: anything with ``__getitem__`` and ``__len__``.

>>> import numpy as np
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> len(ds), ds[1]
(5, (array([2., 3.]), np.int64(1)))
>>> train, val = random_split(ds, [4, 1], generator=np.random.default_rng(0))
>>> len(train), len(val)
(4, 1)
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations import Tensor
from groundup.utils.seeding import make_rng


class Dataset:
    """A map-style dataset: ``dataset[i]`` is the i-th sample, ``len(dataset)`` their number.

    Subclasses implement ``__getitem__`` and ``__len__``; ``a + b`` concatenates two datasets.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of equally long tensors or arrays: ``ds[i] = (X[i], y[i], ...)``.

    Parameters
    ----------
    *tensors : Tensor or ndarray, each of shape (N, ...)
        Same first dimension N.
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        sizes = [len(t) for t in tensors]
        if any(s != sizes[0] for s in sizes):
            shapes = [tuple(t.shape) for t in tensors]
            raise ValueError(
                f"TensorDataset: tensors must have the same first dimension, got shapes {shapes}"
            )
        self.tensors = tuple(t if isinstance(t, Tensor) else np.asarray(t) for t in tensors)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int | list[int]) -> Any:
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty sequence")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: np.random.Generator | int | None = None,
) -> list[Subset]:
    """Split ``dataset`` into disjoint random subsets of the given lengths (PyTorch's rules).

    Parameters
    ----------
    dataset : Dataset
        N samples.
    lengths : sequence of int, or of float fractions summing to 1
        Integer lengths must sum to N. Fractions give ``floor(N * f)`` samples each, and
        the remaining ``N - sum`` samples go one by one to the subsets in order.
    generator : np.random.Generator or int, optional
        Source of the permutation (default: the library's default generator).

    Returns
    -------
    list of Subset
    """
    n = len(dataset)
    if (
        lengths
        and all(isinstance(f, float) and 0 <= f <= 1 for f in lengths)
        and math.isclose(sum(lengths), 1.0)
    ):
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(x) for x in lengths]
        if any(c < 0 for c in counts) or sum(counts) != n:
            raise ValueError(
                f"random_split: lengths {list(lengths)} must be non-negative integers summing to "
                f"len(dataset) = {n}, or fractions summing to 1"
            )
    perm = make_rng(generator).permutation(n)
    offsets = np.cumsum([0, *counts])
    return [Subset(dataset, perm[a:b]) for a, b in itertools.pairwise(offsets)]
