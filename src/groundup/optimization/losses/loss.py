r"""What every loss shares: the ``reduction`` of per-element losses, and the `Module` base.

A loss function computes one value $\ell_i$ per element (or per sample) and then reduces
them, as ``reduction`` says (PyTorch's convention):

* ``"none"``: the $\ell_i$ themselves, in the input's shape (or the batch's);
* ``"sum"``: $\sum_i \ell_i$;
* ``"mean"``: $\frac1N\sum_i \ell_i$ — except for the class-weighted losses
  (``cross_entropy``, ``nll_loss`` with ``weight``), whose mean is weighted:
  $\sum_i w_{y_i}\ell_i / \sum_i w_{y_i}$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, fn: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    """Raise a clear error for an unknown ``reduction``."""
    if reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{fn}: reduction must be one of {names}, got {reduction!r}")


def reduce(loss: Tensor, reduction: str) -> Tensor:
    r"""``"mean"``: $\frac1N\sum_i \ell_i$; ``"sum"``: $\sum_i \ell_i$; ``"none"``: $\ell$."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor: arrays and numbers (0/1 labels too) are wrapped in ``like``'s dtype."""
    if isinstance(x, Tensor):
        if like is None or x.dtype.kind == "f":
            return x
        x = x.data  # an integer or boolean Tensor of labels
    arr = np.asarray(x)
    if like is not None and arr.dtype.kind in "fbiu":
        arr = arr.astype(like.dtype, copy=False)
    return Tensor(arr)


def check_same_shape(input: Tensor, target: Tensor, fn: str) -> None:
    """Input and target must have the same shape: broadcasting them is a classic silent bug."""
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{fn}: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}; they must be equal (broadcasting them, e.g. (N, 1) "
            "against (N,), silently computes the wrong loss)"
        )


class _Loss(Module):
    """Base of the loss modules: holds ``reduction``; ``forward(input, target)``."""

    _fn_name = "loss"

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, type(self).__name__, self._reductions)
        self.reduction = reduction

    _reductions: tuple[str, ...] = REDUCTIONS

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with a per-class ``weight`` of shape ``(C,)``, kept as a buffer (saved, not trained)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


__all__ = ["REDUCTIONS", "as_tensor", "check_reduction", "check_same_shape", "reduce"]
