"""Reproducibility: one call seeds every generator the library uses.

Library code never uses NumPy's global random state: functions that draw random
numbers take a ``np.random.Generator`` argument (or a seed, turned into one by
:func:`make_rng`), and fall back to the library's *default generator* (this module)
when given ``None``. ``seed_everything(seed)`` re-seeds that default generator, Python's
``random`` and NumPy's legacy global state (for code outside the library).

Independent streams for workers, ensemble members or environments come from
:func:`spawn`, which uses NumPy's ``SeedSequence`` spawning: the children are
statistically independent of each other and of the parent, and reproducible from
the parent's seed.

>>> _ = seed_everything(42)
>>> a = default_generator().integers(100)
>>> _ = seed_everything(42)
>>> bool(a == default_generator().integers(100))
True
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

__all__ = ["default_generator", "make_rng", "manual_seed", "seed_everything", "spawn"]

Seed = int | np.integer | Sequence[int] | np.random.SeedSequence | np.random.Generator | None

_default: np.random.Generator = np.random.default_rng(0)


def _check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as a Python int, or a ``ValueError`` saying what a seed must be."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(
            f"{name} must be a non-negative integer (or a np.random.Generator where accepted), "
            f"got {seed!r} of type {type(seed).__name__}"
        )
    return int(seed)


def default_generator() -> np.random.Generator:
    """The generator library code uses when it is not given one.

    >>> isinstance(default_generator(), np.random.Generator)
    True
    """
    return _default


def seed_everything(seed: int) -> np.random.Generator:
    """Seed the default generator, ``random`` and ``np.random``; return the default generator.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    np.random.Generator
        The new default generator (also returned by :func:`default_generator`).

    >>> g = seed_everything(0)
    >>> a = g.random()
    >>> _ = seed_everything(0)
    >>> a == default_generator().random()
    True
    """
    global _default
    seed = _check_seed(seed)
    _default = np.random.default_rng(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - seeding code outside the library
    return _default


manual_seed = seed_everything


def make_rng(seed: Seed = None) -> np.random.Generator:
    """A generator from a seed, a generator (returned as is) or ``None`` (the default one).

    Parameters
    ----------
    seed : int, sequence of int, np.random.SeedSequence, np.random.Generator or None
        A non-negative integer (or a sequence of them, e.g. ``[seed, stream]``, or a
        ``SeedSequence``) gives a fresh generator seeded with it; a generator is used as
        is (so draws advance the caller's stream); ``None`` gives the library's default
        generator, which :func:`seed_everything` seeds.

    Returns
    -------
    np.random.Generator

    >>> float(make_rng(3).random()) == float(make_rng(3).random())
    True
    >>> g = np.random.default_rng(1)
    >>> make_rng(g) is g
    True
    """
    # BEGIN SOLUTION
    if seed is None:
        return _default
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        raise ValueError(
            "seed: got a legacy np.random.RandomState; pass a np.random.Generator "
            "(np.random.default_rng(seed)) or an integer seed"
        )
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, list | tuple):
        return np.random.default_rng([_check_seed(s, "each seed in the sequence") for s in seed])
    return np.random.default_rng(_check_seed(seed))
    # END SOLUTION


def spawn(generator: Seed, n: int) -> list[np.random.Generator]:
    """``n`` independent child generators (for workers, ensemble members, environments).

    Parameters
    ----------
    generator : np.random.Generator, int or None
        The parent (anything :func:`make_rng` accepts). Spawning advances the parent's
        spawn counter: a second call gives ``n`` new children, different from the first.
    n : int
        Number of children, ``n >= 0``.

    Returns
    -------
    list of np.random.Generator of length ``n``

    >>> a = [float(g.random()) for g in spawn(np.random.default_rng(7), 2)]
    >>> b = [float(g.random()) for g in spawn(np.random.default_rng(7), 2)]
    >>> a == b and a[0] != a[1]
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    # BEGIN SOLUTION
    return list(make_rng(generator).spawn(int(n)))
    # END SOLUTION
