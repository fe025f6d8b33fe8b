"""Reproducibility: one call seeds every generator the library uses.

Library code never uses NumPy's global random state: functions that draw random
numbers take a ``np.random.Generator`` argument, and fall back to the library's
*default generator* (this module) when none is given. ``seed_everything(seed)`` re-seeds
that default generator, Python's ``random`` and NumPy's legacy global state (for code
outside the library).
"""

from __future__ import annotations

import random

import numpy as np

_default: np.random.Generator = np.random.default_rng(0)


def default_generator() -> np.random.Generator:
    """The generator library code uses when it is not given one."""
    return _default


def seed_everything(seed: int) -> np.random.Generator:
    """Seed the default generator, ``random`` and ``np.random``; return the default generator.

    >>> g = seed_everything(0)
    >>> a = g.random()
    >>> _ = seed_everything(0)
    >>> a == default_generator().random()
    True
    """
    global _default
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    _default = np.random.default_rng(int(seed))
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002 - seeding code outside the library
    return _default


manual_seed = seed_everything


def make_rng(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """A generator from a seed, a generator (returned as is) or ``None`` (the default one)."""
    if seed is None:
        return _default
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def spawn(generator: np.random.Generator, n: int) -> list[np.random.Generator]:
    """``n`` independent child generators (for workers, ensemble members, environments)."""
    return [np.random.default_rng(s) for s in generator.bit_generator.seed_seq.spawn(n)]
