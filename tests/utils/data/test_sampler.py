"""Samplers: the index sequences torch.utils.data's samplers produce (sizes, coverage, distribution)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


@given(n=st.integers(0, 30), batch_size=st.integers(1, 7), drop_last=st.booleans())
def test_batch_sampler_equals_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = torch.utils.data.BatchSampler(
        torch.utils.data.SequentialSampler(range(n)), batch_size, drop_last
    )
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


@given(
    n=st.integers(1, 30),
    num_samples=st.one_of(st.none(), st.integers(1, 70)),
    replacement=st.booleans(),
)
def test_random_sampler_lengths_and_coverage_like_torch(n, num_samples, replacement):
    ours = list(
        RandomSampler(range(n), replacement=replacement, num_samples=num_samples, generator=0)
    )
    theirs = list(
        torch.utils.data.RandomSampler(range(n), replacement=replacement, num_samples=num_samples)
    )
    assert len(ours) == len(theirs)
    assert all(0 <= i < n for i in ours)
    if not replacement:
        k = len(ours)
        # every block of n indices is a permutation, as in PyTorch
        for start in range(0, k - k % n, n):
            assert sorted(ours[start : start + n]) == list(range(n))
        assert len(set(ours[: min(k, n)])) == min(k, n)


def test_random_sampler_new_order_each_epoch_and_reproducible():
    a = RandomSampler(range(20), generator=np.random.default_rng(4))
    b = RandomSampler(range(20), generator=np.random.default_rng(4))
    first, second = list(a), list(a)
    assert first != second and first == list(b)


def test_subset_random_sampler_visits_exactly_the_subset():
    s = SubsetRandomSampler([3, 8, 10, 11], generator=1)
    orders = [list(s) for _ in range(5)]
    assert all(sorted(o) == [3, 8, 10, 11] for o in orders)
    assert len({tuple(o) for o in orders}) > 1 and len(s) == 4


def test_weighted_sampler_frequencies_follow_the_weights():
    w = [1.0, 3.0, 0.0, 6.0]
    counts = np.bincount(list(WeightedRandomSampler(w, 20000, generator=0)), minlength=4) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.3, 0.0, 0.6], atol=0.015)
    no_repeat = list(WeightedRandomSampler(w, 3, replacement=False, generator=0))
    assert sorted(no_repeat) == [0, 1, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, -1.0], 2), r"weights must be a 1-D sequence of non-negative numbers"),
        (([0.0, 0.0], 2), r"not all zero"),
        (
            ([1.0, 0.0], 2, False),
            r"num_samples=2 must be positive, and at most 1 \(the non-zero weights\)",
        ),
    ],
)
def test_weighted_sampler_errors(args, message):
    with pytest.raises(ValueError, match=message):
        WeightedRandomSampler(*args)


def test_sampler_argument_errors():
    with pytest.raises(ValueError, match="num_samples must be a positive integer, got 0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(TensorDataset(np.arange(4)), batch_size=2, batch_sampler=[[0, 1]])


def test_dataloader_with_samplers():
    ds = TensorDataset(np.arange(10) * 10)
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=True))
    assert [b[0].data.tolist() for b in loader] == [[0, 10, 20, 30], [40, 50, 60, 70]] and len(
        loader
    ) == 2
    val = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler([1, 2, 9], generator=0))
    assert (
        sorted(np.concatenate([b[0].data for b in val]).tolist()) == [10, 20, 90] and len(val) == 1
    )
