"""Helpers shared by the tests: moving arrays to and from PyTorch, and tolerances.

Tolerances are the project's (tight on purpose: a 1e-2 tolerance hides bugs):
float64 rtol 1e-6, float32 rtol 1e-4.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup import Tensor

RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}
ATOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


def to_torch(x: Any, requires_grad: bool | None = None):
    """A torch tensor with the same values (and requires_grad) as a groundup Tensor or array."""
    import torch

    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    rg = x.requires_grad if requires_grad is None and isinstance(x, Tensor) else bool(requires_grad)
    return torch.tensor(np.array(data), requires_grad=rg)


def assert_close(
    actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None, msg: str = ""
) -> None:
    """``np.testing.assert_allclose`` on groundup Tensors, torch tensors or arrays, dtype-aware tolerances."""
    a = _np(actual)
    e = _np(expected)
    dtype = np.result_type(a.dtype, np.float32) if a.dtype.kind == "f" else np.dtype(np.float64)
    assert a.shape == e.shape, f"{msg} shape {a.shape} != expected {e.shape}"
    np.testing.assert_allclose(
        a,
        e,
        rtol=RTOL.get(dtype, 1e-6) if rtol is None else rtol,
        atol=ATOL.get(dtype, 1e-9) if atol is None else atol,
        err_msg=msg,
    )


def _np(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.data
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)
