"""Tensor constructors with PyTorch's names (``tensor``, ``zeros``, ``randn``, ...).

Random constructors take a ``np.random.Generator`` (``generator=``); without one they use
the library's default generator, which :func:`groundup.utils.seeding.seed_everything`
seeds. They never touch NumPy's global random state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, _as_array, _shape_arg


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is not None:
        return generator
    from groundup.utils.seeding import default_generator

    return default_generator()


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python floats become float32).

    >>> tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    return Tensor(np.array(_as_array(data, dtype), copy=True), requires_grad)


def zeros(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape_arg(shape), dtype=dtype), requires_grad)


def ones(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape_arg(shape), dtype=dtype), requires_grad)


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``shape`` filled with ``fill_value``; the dtype follows it (float32, int64, bool)."""
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return Tensor(np.full(_shape_arg((shape,)), fill_value, dtype=dtype), requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """``[start, end)`` by ``step``: int64 for integer arguments, else float32 (PyTorch)."""
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step, dtype=dtype)
    if dtype is None and values.dtype == np.float64:
        values = values.astype(np.float32)
    return Tensor(values)


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
