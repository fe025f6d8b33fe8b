r"""Cosine similarity: the angle between two vectors, whatever their lengths.

$$\cos(x_1, x_2) = \frac{x_1\cdot x_2}{\lVert x_1\rVert_2\,\lVert x_2\rVert_2}
= \sum_d \frac{x_{1d}}{\lVert x_1\rVert_2}\,\frac{x_{2d}}{\lVert x_2\rVert_2} \in [-1, 1],$$

computed as PyTorch does, by normalising each vector first (the product of two unit vectors
stays in $[-1, 1]$ in floating point) with each norm clamped below at $\epsilon$, so a zero
vector gives 0 rather than a division by zero. As in PyTorch the clamp changes the value
only: the gradient is the one of the unclamped norm. Built from differentiable operations,
its gradient is the engine's:

$$\frac{\partial\cos}{\partial x_1} = \frac{x_2}{\lVert x_1\rVert\lVert x_2\rVert}
- \cos(x_1, x_2)\,\frac{x_1}{\lVert x_1\rVert^2}$$

(orthogonal to $x_1$: lengthening $x_1$ changes nothing).

>>> import numpy as np
>>> from groundup import Tensor
>>> x1 = Tensor(np.array([[1.0, 2.0, 2.0]]))
>>> x2 = Tensor(np.array([[2.0, 0.0, 1.0]]))
>>> round(cosine_similarity(x1, x2).item(), 4)  # 4 / (3 √5)
0.5963
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module

__all__ = ["CosineSimilarity", "cosine_similarity"]


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    # $\max(\lVert x\rVert_2, \epsilon)$ in value, $\partial\lVert x\rVert_2/\partial x$ in gradient (PyTorch's clamp under no_grad)
    norm = (x * x).sum(dim, keepdim=True).sqrt()  # (*, 1, *)
    return norm + Tensor(np.maximum(norm.data, eps) - norm.data)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r"""Cosine similarity of ``x1`` and ``x2`` along ``dim`` (``torch.nn.functional.cosine_similarity``).

    Parameters
    ----------
    x1, x2 : Tensor (or array) of broadcastable shapes
        The vectors run along ``dim``, e.g. ``(N, D)`` with ``dim=1``.
    dim : int
        The axis of the vectors' entries.
    eps : float
        Each norm is clamped below at ``eps``.

    Returns
    -------
    Tensor of the broadcast shape without ``dim``, e.g. ``(N,)``.
    """
    x1 = x1 if isinstance(x1, Tensor) else Tensor(np.asarray(x1, dtype=np.float64))
    x2 = x2 if isinstance(x2, Tensor) else Tensor(np.asarray(x2, dtype=np.float64))
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(
            f"cosine_similarity: x1 of shape {x1.shape} and x2 of shape {x2.shape} do not broadcast"
        ) from None
    if not -len(shape) <= dim < len(shape):
        raise IndexError(
            f"cosine_similarity: dim={dim} is out of range for the broadcast shape {shape}"
        )
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    norm1 = _clamped_norm(x1, dim, eps)  # (*, 1, *)
    norm2 = _clamped_norm(x2, dim, eps)
    # $x / \lVert x\rVert$: unit vectors first, so their product stays in [-1, 1]
    unit1 = x1 / norm1  # (*, D, *)
    unit2 = x2 / norm2
    # $\cos = \sum_d \hat x_{1d}\hat x_{2d}$
    return (unit1 * unit2).sum(dim)


class CosineSimilarity(Module):
    r"""Cosine similarity along ``dim`` (``torch.nn.CosineSimilarity``); see `cosine_similarity`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"
