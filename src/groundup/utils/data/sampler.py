"""Samplers, as in ``torch.utils.data``: iterables of dataset indices for ``DataLoader(sampler=...)``.

Each random sampler draws a new order every time it is iterated (every epoch) from its
``np.random.Generator``.

>>> import numpy as np
>>> list(SequentialSampler(range(4)))
[0, 1, 2, 3]
>>> sorted(RandomSampler(range(4), generator=np.random.default_rng(0)))
[0, 1, 2, 3]
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np

from groundup.utils.seeding import make_rng


class Sampler:
    """Base class: ``iter(sampler)`` yields indices; ``len(sampler)`` counts them."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` draws with replacement.

    Parameters
    ----------
    data_source : sized
        N samples.
    replacement : bool
        Draw ``num_samples`` indices uniformly with replacement.
    num_samples : int, optional
        Number of indices per epoch (default N; without replacement, more than N repeats
        whole permutations, as in PyTorch).
    generator : np.random.Generator or int, optional
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if num_samples is not None and num_samples < 1:
            raise ValueError(
                f"RandomSampler: num_samples must be a positive integer, got {num_samples}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = make_rng(generator)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            yield from self.generator.integers(0, n, size=k).tolist()
            return
        order = (
            np.concatenate([self.generator.permutation(n) for _ in range(math.ceil(k / n))])
            if n
            else []
        )
        yield from np.asarray(order[:k], dtype=np.int64).tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (e.g. a validation subset of a dataset)."""

    def __init__(
        self, indices: Sequence[int], generator: np.random.Generator | int | None = None
    ) -> None:
        self.indices = list(indices)
        self.generator = make_rng(generator)

    def __iter__(self) -> Iterator[int]:
        for i in self.generator.permutation(len(self.indices)):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    r"""``num_samples`` indices drawn with probabilities $p_i = w_i / \sum_j w_j$.

    Parameters
    ----------
    weights : sequence of float, shape (N,)
        Non-negative, not all zero (need not sum to 1).
    num_samples : int
    replacement : bool
        Without replacement, ``num_samples`` must be at most the number of non-zero weights.
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or np.any(w < 0) or not np.isfinite(w).all() or w.sum() == 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be a 1-D sequence of non-negative numbers, not all zero; got {weights!r}"
            )
        if num_samples < 1 or (not replacement and num_samples > np.count_nonzero(w)):
            raise ValueError(
                f"WeightedRandomSampler: num_samples={num_samples} must be positive, and at most "
                f"{np.count_nonzero(w)} (the non-zero weights) without replacement"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = make_rng(generator)

    def __iter__(self) -> Iterator[int]:
        # $p_i = w_i / \sum_j w_j$
        p = self.weights / self.weights.sum()
        yield from self.generator.choice(
            len(p), size=self.num_samples, replace=self.replacement, p=p
        ).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"BatchSampler: batch_size must be a positive integer, got {batch_size!r}"
            )
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for i in self.sampler:
            batch.append(int(i))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
