r"""Functions of several tensors: concatenate, stack, pad (``torch.cat``/``stack``, ``F.pad``).

Each is built on one primitive of :mod:`groundup.foundations.ops.shape` (``Cat``, ``Pad``),
so the gradient is split back or cropped there. They take tensors or arrays; they are
re-exported by :mod:`groundup.foundations.computational_graph` and ``groundup``.

>>> import numpy as np
>>> from groundup import Tensor, cat, stack
>>> a, b = Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 3)))
>>> cat([a, b], dim=1).shape, stack([a, b]).shape
((2, 6), (2, 2, 3))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.ops.shape import Cat, Pad, Reshape


def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Concatenate along an existing ``dim`` (``torch.cat``)."""
    if len(tensors) == 0:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    return Cat.apply(*tensors, dim=dim)


def _operand(t: Any) -> Any:
    """A tensor or array as it is; a nested list as an array (Python floats as float32)."""
    if isinstance(t, list | tuple | float | int):
        arr = np.asarray(t)
        return arr.astype(np.float32) if arr.dtype == np.float64 else arr
    return t


def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Stack along a new ``dim`` (``torch.stack``)."""
    if len(tensors) == 0:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {tuple(np.shape(t)) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    (shape,) = shapes
    d = dim % (len(shape) + 1)
    new_shape = shape[:d] + (1,) + shape[d:]
    return cat([Reshape.apply(_operand(t), shape=new_shape) for t in tensors], dim=dim)


def pad(input: Any, pad: Sequence[int], value: float = 0.0) -> Any:
    """Constant padding in ``F.pad`` order: last dim first, (left, right) pairs."""
    return Pad.apply(input, pad=tuple(pad), value=value)
