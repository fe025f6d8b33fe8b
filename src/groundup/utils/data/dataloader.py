"""``DataLoader``: batches of a dataset, shuffled by a seeded generator, as in PyTorch.

>>> import numpy as np
>>> from groundup.utils.data import TensorDataset
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> loader = DataLoader(ds, batch_size=2, shuffle=True, generator=np.random.default_rng(0))
>>> [tuple(y.shape) for _, y in loader]
[(2,), (2,), (1,)]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from groundup.foundations import Tensor, stack
from groundup.utils.data.dataset import Dataset, TensorDataset
from groundup.utils.seeding import make_rng


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure (PyTorch's rules).

    - Tensors and arrays of shape ``S`` become one Tensor of shape ``(B, *S)``;
    - Python ints, floats and bools become int64, float64 and bool Tensors of shape ``(B,)``
      (NumPy scalars keep their dtype);
    - strings stay a list; dicts are collated key by key; tuples and lists position by
      position (a list comes back, as in PyTorch; a namedtuple keeps its type).
    """
    # BEGIN SOLUTION
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            return stack(list(batch))
        return Tensor(np.stack([t.data for t in batch]))
    if isinstance(elem, np.ndarray | np.generic):
        return Tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, str | bytes):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise ValueError(
                f"default_collate: samples have different lengths {sorted({len(b) for b in batch})}"
            )
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}")
    # END SOLUTION


def _plain_tensor_dataset(dataset: Any) -> bool:
    """A TensorDataset whose tensors need no gradient: batches can be sliced in one go."""
    return type(dataset) is TensorDataset and not any(
        isinstance(t, Tensor) and t.requires_grad for t in dataset.tensors
    )


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Parameters
    ----------
    dataset : Dataset
        Any object with ``__getitem__`` and ``__len__``.
    batch_size : int or None
        Samples per batch; ``None`` yields the samples one by one, uncollated.
    shuffle : bool
        Draw a new permutation at the start of every epoch (every ``iter(loader)``).
    sampler : iterable of int, optional
        The indices to visit, instead of ``shuffle`` (mutually exclusive with it), e.g. a
        :class:`~groundup.utils.data.sampler.SubsetRandomSampler`.
    batch_sampler : iterable of lists of int, optional
        Yields the indices of each batch (mutually exclusive with ``batch_size``,
        ``shuffle``, ``sampler`` and ``drop_last``).
    num_workers : int
        Accepted for PyTorch compatibility; batches are always built in this process.
    collate_fn : callable, optional
        Turns a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool
        Accepted for PyTorch compatibility; no effect on the CPU.
    drop_last : bool
        Drop the last batch if it has fewer than ``batch_size`` samples.
    generator : np.random.Generator or int, optional
        Source of the shuffling. With a seeded generator the sequence of epochs is
        reproducible; each epoch draws a new permutation from it.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool = False,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if batch_size is not None and (
            not isinstance(batch_size, numbers.Integral) or batch_size < 1
        ):
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer or None, got {batch_size!r}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
            )
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be >= 0, got {num_workers}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.pin_memory = pin_memory
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = make_rng(generator)

    def _indices(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter((int(i) for i in self.sampler), dtype=np.int64)
        n = len(self.dataset)
        return self.generator.permutation(n) if self.shuffle else np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        # BEGIN SOLUTION
        if self.batch_sampler is not None:
            for batch in self.batch_sampler:
                yield self._batch(np.asarray(batch, dtype=np.int64))
            return
        indices = self._indices()
        if self.batch_size is None:
            for i in indices:
                yield self.dataset[int(i)]
            return
        b = self.batch_size
        stop = len(indices) - len(indices) % b if self.drop_last else len(indices)
        for start in range(0, stop, b):
            yield self._batch(indices[start : start + b])
        # END SOLUTION

    def _batch(self, idx: np.ndarray) -> Any:
        if self.collate_fn is None and _plain_tensor_dataset(self.dataset):
            # fast path, same result as default_collate: index every tensor once with the batch
            return [
                Tensor(t.data[idx] if isinstance(t, Tensor) else t[idx])
                for t in self.dataset.tensors
            ]
        samples = [self.dataset[int(i)] for i in idx]
        return (self.collate_fn or default_collate)(samples)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)  # type: ignore[arg-type]
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
