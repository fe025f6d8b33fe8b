"""What a ``Tensor`` accepts: its data, shapes, indices and var/std's correction, checked.

The constructor and the factories (``tensor``, ``zeros``, ...) turn what a user passes into
arrays here, with PyTorch's rules (Python floats become float32) and errors that say what
is wrong (a ragged list, strings, complex numbers) instead of a NumPy message from deep
inside an op.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import TensorBase

_FLOAT_DEFAULT = np.float32


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, TensorBase):
        data = data.data
    if isinstance(data, np.ndarray | np.generic):  # NumPy values keep their dtype
        arr = np.asarray(data, dtype=dtype)
    else:
        try:
            arr = np.asarray(data, dtype=dtype)
        except ValueError as exc:
            if "inhomogeneous" not in str(exc) and "sequence" not in str(exc):
                raise
            raise ValueError(
                "Tensor: data is a ragged nested sequence (its rows have different lengths, "
                "e.g. [[1, 2], [3]]); every row at one depth must have the same length"
            ) from None
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(_FLOAT_DEFAULT)  # Python floats become float32, as in torch.tensor
    if arr.dtype.kind not in "biuf":
        kind = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers"}
        raise TypeError(
            f"Tensor: data of dtype {arr.dtype} ({kind.get(arr.dtype.kind, 'not numbers')}) is "
            "not supported; a Tensor holds bool, integer or floating values"
        )
    return arr


def _correction(unbiased: Any, correction: Any) -> int:
    """The ``correction`` of var/std from PyTorch's two spellings (default 1)."""
    if unbiased is not None and correction is not None:
        raise ValueError("var/std: give unbiased= or correction=, not both")
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    if isinstance(unbiased, bool | np.bool_):
        return int(unbiased)
    return int(unbiased)  # a correction passed positionally, as this library once took it


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _index_arg(index: Any) -> Any:
    """Tensors inside an index become arrays; lists become integer/bool arrays."""
    if isinstance(index, tuple):
        return tuple(_index_arg(i) for i in index)
    if isinstance(index, TensorBase):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index
