"""Functions of float inputs only, for the finite-difference check of exercises with a backward.

``groundup check`` calls them (``gradcheck = "groundup.learn.gradcheck_targets:NAME"``) in the
overlaid subprocess, so the library functions they call are the learner's.
"""

from __future__ import annotations

import numpy as np

from groundup import Tensor


def cross_entropy_indices(z: Tensor) -> Tensor:
    r"""$\ell = \frac1N\sum_i -\log\mathrm{softmax}(z_i)_{y_i}$ with fixed classes $y_i = i \bmod C$; ``z`` of shape ``(N, C)``."""
    from groundup.optimization.losses.cross_entropy import cross_entropy

    N, C = z.shape
    y = np.arange(N) % C  # (N,)
    return cross_entropy(z, y, reduction="none")


def mse(x: Tensor, y: Tensor) -> Tensor:
    r"""$\ell = (x - y)^2$ elementwise; ``x`` and ``y`` of the same shape."""
    from groundup.optimization.losses.mse import mse_loss

    return mse_loss(x, y, reduction="none")


def binary_cross_entropy(x: Tensor) -> Tensor:
    r"""$\ell = -[y\log p + (1-y)\log(1-p)]$ at $p = 0.1 + 0.8\,\sigma(x)$ (inside $(0, 1)$), fixed $y$."""
    from groundup.optimization.losses.binary_cross_entropy import binary_cross_entropy as bce

    y = (np.arange(x.data.size).reshape(x.shape) % 3) / 2.0  # values 0, 0.5, 1
    return bce(x.sigmoid() * 0.8 + 0.1, y, reduction="none")


def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    r"""$y = x W^\top + b$; ``x`` (N, in), ``weight`` (out, in), ``bias`` (out,)."""
    from groundup.nn_core.layers.linear import linear as linear_

    return linear_(x, weight, bias)


def tensor_compositions(x: Tensor) -> Tensor:
    r"""Ops composed from primitives, per row of ``x`` (N, D >= 3): variance, first maximum, split, expand.

    $y_i = \mathrm{Var}_j(x_{ij}) + \max_j x_{ij} + \bar a_i \sum_j b_{ij} + 3 x_{i0}$ with
    $[a, b]$ = ``x`` split after column 2.
    """
    a, b = x.split([2, x.shape[1] - 2], dim=1)  # (N, 2), (N, D - 2)
    first = x[:, :1].expand(-1, 3).sum(1)  # (N,)
    return x.var(1) + x.max(1).values + a.mean(1) * b.sum(1) + first
