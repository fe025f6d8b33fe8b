"""Dataset, TensorDataset, Subset, random_split, DataLoader and default_collate, against torch.utils.data."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class Squares(Dataset):
    """A map-style dataset of dict samples."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        return {"x": np.full(3, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}


@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_batch_sizes_and_len_match_torch(n, batch_size, drop_last):
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = DataLoader(TensorDataset(X, np.arange(n)), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(X), torch.arange(n)),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    assert len(ours) == len(theirs)
    got = [(xb.shape, yb.data.tolist()) for xb, yb in ours]
    expected = [(tuple(xb.shape), yb.tolist()) for xb, yb in theirs]
    assert got == expected


def test_fast_path_equals_per_sample_collation():
    X = np.random.default_rng(0).normal(size=(23, 3, 4)).astype(np.float32)
    y = np.arange(23)
    ds = TensorDataset(Tensor(X), y)
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=3))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=3, collate_fn=default_collate))
    assert len(fast) == len(slow) == 5
    for (a, b), (c, d) in zip(fast, slow):
        assert isinstance(a, Tensor) and a.dtype == np.float32 and b.dtype == np.int64
        np.testing.assert_array_equal(a.data, c.data)
        np.testing.assert_array_equal(b.data, d.data)


def test_shuffle_reproducible_with_seeded_generator_and_different_across_epochs():
    ds = TensorDataset(np.arange(50))

    def epochs(seed: int) -> list[list[int]]:
        loader = DataLoader(ds, batch_size=50, shuffle=True, generator=np.random.default_rng(seed))
        return [next(iter(loader))[0].data.tolist() for _ in range(3)]

    a, b = epochs(7), epochs(7)
    assert a == b
    assert a[0] != a[1] != a[2]
    assert all(sorted(e) == list(range(50)) for e in a)
    assert epochs(8)[0] != a[0]
    assert next(iter(DataLoader(ds, batch_size=50)))[0].data.tolist() == list(range(50))


def test_default_collate_structures_like_torch():
    samples = [Squares(5)[i] for i in range(3)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert set(ours) == set(theirs)
    np.testing.assert_array_equal(ours["x"].data, theirs["x"].numpy())
    assert ours["x"].dtype == np.float32
    assert ours["y"].dtype == np.int64 and ours["y"].data.tolist() == theirs["y"].tolist()
    assert ours["name"] == theirs["name"] == ["s0", "s1", "s2"]
    floats = default_collate([1.5, 2.0])
    assert (
        floats.dtype
        == np.float64
        == np.dtype(str(torch.utils.data.default_collate([1.5, 2.0]).dtype).removeprefix("torch."))
    )
    assert default_collate([True, False]).dtype == np.bool_
    pair = default_collate([(1, 2.0), (3, 4.0)])
    assert isinstance(pair, list) and pair[0].data.tolist() == [1, 3]
    Point = namedtuple("Point", "a b")
    p = default_collate([Point(1, 2), Point(3, 4)])
    assert isinstance(p, Point) and p.b.data.tolist() == [2, 4]


def test_default_collate_errors():
    with pytest.raises(ValueError, match=r"samples have different lengths \[1, 2\]"):
        default_collate([(1,), (1, 2)])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object(), object()])


def test_collate_keeps_the_graph_of_tensors_that_require_grad():
    w = Tensor(np.ones((4, 2)), requires_grad=True)
    ds = TensorDataset(w)
    (batch,) = next(iter(DataLoader(ds, batch_size=4)))
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.ones((4, 2)))


def test_custom_collate_fn_and_unbatched_mode():
    loader = DataLoader(Squares(7), batch_size=3, collate_fn=lambda s: [d["y"] for d in s])
    assert list(loader) == [[0, 1, 4], [9, 16, 25], [36]]
    assert [d["y"] for d in DataLoader(Squares(3), batch_size=None)] == [0, 1, 4]
    assert len(DataLoader(Squares(3), batch_size=None)) == 3


def test_sampler_gives_the_order():
    loader = DataLoader(TensorDataset(np.arange(10) * 10), batch_size=2, sampler=[9, 0, 5])
    assert [b[0].data.tolist() for b in loader] == [[90, 0], [50]]
    assert len(loader) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be a positive integer or None, got 0"),
        ({"shuffle": True, "sampler": [0]}, "sampler option is mutually exclusive with shuffle"),
        ({"num_workers": -1}, "num_workers must be >= 0, got -1"),
    ],
)
def test_dataloader_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Squares(3), **kwargs)


def test_tensor_dataset_checks_lengths():
    with pytest.raises(ValueError, match=r"same first dimension, got shapes \[\(3, 2\), \(4,\)\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    ds = TensorDataset(np.arange(6).reshape(3, 2), Tensor([1.0, 2.0, 3.0]))
    x, y = ds[2]
    assert x.tolist() == [4, 5] and isinstance(y, Tensor) and y.item() == 3.0


def test_subset_and_concat():
    ds = Squares(5) + Squares(3)
    assert isinstance(ds, ConcatDataset) and len(ds) == 8
    assert ds[6]["y"] == 1 and ds[-1]["y"] == 4
    with pytest.raises(IndexError, match="index 8 out of range for length 8"):
        ds[8]
    sub = Subset(Squares(10), [7, 2])
    assert len(sub) == 2 and sub[0]["y"] == 49 and [d["y"] for d in sub[[1, 0]]] == [4, 49]


@given(n=st.integers(0, 60), k=st.integers(1, 4), seed=st.integers(0, 100))
def test_random_split_sizes_and_disjointness(n, k, seed):
    cuts = np.sort(np.random.default_rng(seed).integers(0, n + 1, k - 1))
    lengths = np.diff(np.concatenate([[0], cuts, [n]])).tolist()
    parts = random_split(TensorDataset(np.arange(n)), lengths, generator=seed)
    assert [len(p) for p in parts] == lengths
    seen = np.concatenate([np.array(p.indices, dtype=int) for p in parts])
    assert sorted(seen.tolist()) == list(range(n))


@pytest.mark.parametrize(
    ("n", "fractions"), [(10, [0.5, 0.5]), (11, [0.8, 0.1, 0.1]), (7, [0.3, 0.3, 0.4]), (5, [1.0])]
)
def test_random_split_fractions_like_torch(n, fractions):
    ours = [len(p) for p in random_split(TensorDataset(np.arange(n)), fractions, generator=0)]
    theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs


def test_random_split_reproducible_and_bad_lengths():
    ds = TensorDataset(np.arange(20))
    a = [p.indices for p in random_split(ds, [15, 5], generator=np.random.default_rng(1))]
    b = [p.indices for p in random_split(ds, [15, 5], generator=np.random.default_rng(1))]
    assert a == b
    with pytest.raises(
        ValueError,
        match=r"lengths \[15, 4\] must be non-negative integers summing to len\(dataset\) = 20",
    ):
        random_split(ds, [15, 4])
