"""Tensor constructors with PyTorch's names (``tensor``, ``zeros``, ``randn``, ...).

Random constructors take a ``np.random.Generator`` (``generator=``); without one they use
the library's default generator, which :func:`groundup.utils.seeding.seed_everything`
seeds. They never touch NumPy's global random state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, _shape_arg


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is not None:
        return generator
    from groundup.utils.seeding import default_generator

    return default_generator()


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``."""
    return Tensor(
        np.array(data.data if isinstance(data, Tensor) else data, copy=True), requires_grad, dtype
    )


def zeros(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape_arg(shape), dtype=dtype), requires_grad)


def ones(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape_arg(shape), dtype=dtype), requires_grad)


def full(
    shape: Any, fill_value: float, dtype: Any = np.float32, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.full(_shape_arg((shape,)), fill_value, dtype=dtype), requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    if end is None:
        start, end = 0, start
    return Tensor(np.arange(start, end, step, dtype=dtype))


def randn(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float32,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples."""
    return Tensor(_rng(generator).standard_normal(_shape_arg(shape)).astype(dtype), requires_grad)


def rand(
    *shape: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float32,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    return Tensor(_rng(generator).random(_shape_arg(shape)).astype(dtype), requires_grad)
