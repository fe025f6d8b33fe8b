"""Seeding: one call seeds everything; generators are reproducible; bad seeds are rejected."""

from __future__ import annotations

import random

import numpy as np
import pytest

from groundup.utils import seeding
from groundup.utils.seeding import default_generator, make_rng, manual_seed, seed_everything, spawn


@pytest.fixture(autouse=True)
def _restore_global_generators():
    """These tests re-seed global state; put it back so other tests see no difference."""
    saved = (seeding._default, random.getstate(), np.random.get_state())  # noqa: NPY002
    yield
    seeding._default = saved[0]
    random.setstate(saved[1])
    np.random.set_state(saved[2])  # noqa: NPY002


def test_seed_everything_reseeds_every_generator() -> None:
    seed_everything(123)
    first = (default_generator().random(3), random.random(), np.random.random())  # noqa: NPY002
    seed_everything(123)
    second = (default_generator().random(3), random.random(), np.random.random())  # noqa: NPY002
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1:] == second[1:]
    seed_everything(124)
    assert not np.array_equal(default_generator().random(3), first[0])
    assert manual_seed is seed_everything


def test_seed_everything_reaches_the_library_default_via_make_rng_none() -> None:
    seed_everything(5)
    a = make_rng(None).normal(size=4)
    seed_everything(5)
    np.testing.assert_array_equal(a, make_rng().normal(size=4))
    np.testing.assert_array_equal(a, np.random.default_rng(5).normal(size=4))


def test_make_rng_same_seed_same_draws_and_passes_generators_through() -> None:
    np.testing.assert_array_equal(make_rng(7).random(5), make_rng(np.int64(7)).random(5))
    assert not np.array_equal(make_rng(7).random(5), make_rng(8).random(5))
    g = np.random.default_rng(0)
    assert make_rng(g) is g


def test_spawn_children_are_reproducible_and_independent() -> None:
    a = [c.random(4) for c in spawn(np.random.default_rng(11), 3)]
    b = [c.random(4) for c in spawn(11, 3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # distinct from each other and from the parent's own stream
    parent = np.random.default_rng(11).random(4)
    streams = [*a, parent]
    assert len({tuple(s) for s in streams}) == 4
    # a second spawn from the same parent gives new children
    parent_gen = np.random.default_rng(11)
    first, again = spawn(parent_gen, 1)[0].random(), spawn(parent_gen, 1)[0].random()
    assert first != again
    assert spawn(0, 0) == []


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_invalid_seeds_are_rejected_with_a_clear_message(bad) -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        seed_everything(bad)


@pytest.mark.parametrize("bad", [-1, 2.0, "x", False])
def test_make_rng_rejects_invalid_seeds(bad) -> None:
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer.*got"):
        make_rng(bad)


def test_make_rng_accepts_seed_sequences_like_numpy() -> None:
    np.testing.assert_array_equal(
        make_rng([3, 1]).random(3), np.random.default_rng([3, 1]).random(3)
    )
    ss = np.random.SeedSequence(9)
    np.testing.assert_array_equal(make_rng(ss).random(3), np.random.default_rng(9).random(3))
    assert not np.array_equal(make_rng([3, 1]).random(3), make_rng([3, 2]).random(3))
    with pytest.raises(
        ValueError, match="each seed in the sequence must be a non-negative integer"
    ):
        make_rng([3, -1])


def test_make_rng_rejects_legacy_random_state() -> None:
    with pytest.raises(ValueError, match=r"RandomState; pass a np\.random\.Generator"):
        make_rng(np.random.RandomState(0))


def test_spawn_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="n must be a non-negative integer, got -1"):
        spawn(0, -1)
