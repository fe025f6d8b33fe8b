r"""Softmax and log-softmax along one axis: probabilities from scores (logits).

$\mathrm{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}$ and
$\log\mathrm{softmax}(x)_i = x_i - \log\sum_j e^{x_j}$. Both are fused primitives of the
engine (:mod:`groundup.foundations.ops.fused`): they shift by $\max_j x_j$ before
exponentiating, so logits of $10^4$ do not overflow, and their backward passes are closed
forms ($\bar x = y \odot (g - \sum_j g_j y_j)$ and $\bar x = g - e^{y}\sum_j g_j$).
Where the backward lives: :class:`~groundup.foundations.ops.fused.SoftmaxFunction` and
:class:`~groundup.foundations.ops.fused.LogSoftmaxFunction`.
Prefer ``log_softmax`` followed by NLL over ``log(softmax(x))``: the latter underflows to
$\log 0 = -\infty$.

>>> import numpy as np
>>> from groundup import Tensor
>>> Softmax(dim=-1)(Tensor(np.array([[1e4, 0.0]]))).tolist()
[[1.0, 0.0]]
"""

from __future__ import annotations

import warnings
from typing import Any

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module

__all__ = ["LogSoftmax", "Softmax", "log_softmax", "softmax"]


def _get_softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice when ``dim`` is omitted (with the same warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _check_dim(name: str, dim: int, ndim: int) -> None:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{name}: dim {dim} is out of range for an input with {ndim} dimensions")


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    r"""$e^{x_i}/\sum_j e^{x_j}$ along ``dim`` (cast to ``dtype`` first if given)."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim)
    _check_dim("softmax", dim, input.ndim)
    if dtype is not None:
        input = input.astype(dtype)
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    r"""$x_i - \log\sum_j e^{x_j}$ along ``dim`` (cast to ``dtype`` first if given)."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim)
    _check_dim("log_softmax", dim, input.ndim)
    if dtype is not None:
        input = input.astype(dtype)
    return input.log_softmax(dim)


class Softmax(Module):
    r"""$y_i = e^{x_i}/\sum_j e^{x_j}$ along ``dim``; each slice sums to 1."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    r"""$y_i = x_i - \log\sum_j e^{x_j}$ along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
