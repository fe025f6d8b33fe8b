r"""Type promotion and operand helpers shared by the binary ops (PyTorch's rules).

The bottom of the ops stack: it imports nothing of the engine, so both
:mod:`~groundup.foundations.ops.arithmetic` and :mod:`~groundup.foundations.ops.elementwise`
can use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# PyTorch's dtype categories: a 0-d tensor or a scalar sets the dtype only if its
# category is higher than the n-d operands'
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def promote(a: Any, b: Any) -> tuple[Any, Any]:
    """PyTorch's type promotion where it differs from NumPy's.

    * An integer or bool array meeting a floating array takes the floating dtype (NumPy
      would give float64 for int64 with float32).
    * A NumPy scalar counts as a Python number, and a 0-d array of the same or a lower
      category as the other operand takes its dtype: a float32 tensor times a float64
      0-d tensor stays float32 (NumPy's rule would give float64).
    * A Python float meeting an integer array gives float32 (PyTorch's default dtype).
    """
    ta, tb = type(a) is np.ndarray, type(b) is np.ndarray
    if ta and tb:
        da, db = a.dtype, b.dtype
        if da != db:
            ka, kb = _CATEGORY.get(da.kind, 3), _CATEGORY.get(db.kind, 3)
            if a.ndim == 0 and b.ndim and ka <= kb:
                a = a.astype(db)
            elif b.ndim == 0 and a.ndim and kb <= ka:
                b = b.astype(da)
            elif ka == 2 and kb < 2:
                b = b.astype(da)
            elif kb == 2 and ka < 2:
                a = a.astype(db)
        return a, b
    if isinstance(b, np.generic):
        b = b.item()
    if isinstance(a, np.generic):
        a = a.item()
    if ta and type(b) is float and a.dtype.kind in "biu":
        a = a.astype(np.float32)
    elif tb and type(a) is float and b.dtype.kind in "biu":
        b = b.astype(np.float32)
    return a, b


def _is_integral(x: Any) -> bool:
    """An integer or bool array or number (whose quotient PyTorch makes float32)."""
    if isinstance(x, np.ndarray | np.generic):
        return x.dtype.kind in "biu"
    return isinstance(x, int)


def broadcast_error(op: str, a: Any, b: Any) -> ValueError:
    return ValueError(
        f"{op}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} cannot be broadcast together"
    )


def input_array(x: Any) -> np.ndarray:
    """The values of an op input: a `Tensor`'s array (via ``__array__``), or the array itself."""
    return np.asarray(x)
