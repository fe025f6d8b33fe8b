r"""Rotary position embeddings, RoPE (Su et al., 2021), applied to queries and keys.

Each pair of features $(x_i, x_{i + d/2})$ of a query or key at position $m$ is rotated
by the angle $m\,\theta_i$, with $\theta_i = b^{-2i/d}$ ($b = 10{,}000$):

$$\begin{pmatrix} x'_i \\ x'_{i+d/2} \end{pmatrix} =
\begin{pmatrix} \cos m\theta_i & -\sin m\theta_i \\ \sin m\theta_i & \cos m\theta_i \end{pmatrix}
\begin{pmatrix} x_i \\ x_{i+d/2} \end{pmatrix},
\quad\text{i.e.}\quad x' = x \odot \cos + \mathrm{rotate\_half}(x) \odot \sin.$$

Rotations compose, $R_m^\top R_n = R_{n-m}$, so the score $\langle R_m q, R_n k\rangle =
\langle q, R_{n-m} k\rangle$ depends on the positions only through $n - m$: attention
sees relative positions, with no learned table. (The pairing $(i, i + d/2)$ is the
"rotate half" layout of GPT-NeoX and LLaMA's Hugging Face port.)

>>> import numpy as np
>>> from groundup import Tensor
>>> rope = RotaryEmbedding(4)
>>> rope(Tensor(np.ones((1, 1, 3, 4)))).shape
(1, 1, 3, 4)
"""

from __future__ import annotations

import numpy as np

from groundup.foundations.computational_graph import Tensor, cat
from groundup.nn_core.module import Module

__all__ = ["RotaryEmbedding", "apply_rotary", "rope_angles"]


def rope_angles(T: int, d: int, base: float = 10000.0, offset: int = 0) -> tuple[np.ndarray, ...]:
    r"""$\cos$ and $\sin$ of $m\theta_i$ for positions $m = \text{offset}, \dots$, each ``(T, d)``."""
    if d % 2:
        raise ValueError(f"rotary embedding: the head dimension must be even, got d={d}")
    # BEGIN SOLUTION
    # $\theta_i = b^{-2i/d}$
    theta = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)  # (d/2,)
    angle = np.arange(offset, offset + T, dtype=np.float64)[:, None] * theta  # (T, d/2)
    angle = np.concatenate([angle, angle], axis=-1)  # (T, d)
    return np.cos(angle), np.sin(angle)
    # END SOLUTION


def apply_rotary(x: Tensor, cos: np.ndarray, sin: np.ndarray) -> Tensor:
    r"""$x \odot \cos + \mathrm{rotate\_half}(x) \odot \sin$, $\mathrm{rotate\_half}(x) = [-x_2, x_1]$.

    ``x`` has shape ``(..., T, d)``; ``cos``, ``sin`` shape ``(T, d)``.
    """
    # BEGIN SOLUTION
    h = x.shape[-1] // 2
    cos, sin = cos.astype(x.dtype), sin.astype(x.dtype)
    # $[-x_2, x_1] \odot \sin$ as two half products: no concatenated copy of $x$
    sin_lo, sin_hi = -sin[:, :h], sin[:, h:]
    rot = cat([x[..., h:] * sin_lo, x[..., :h] * sin_hi], dim=-1)  # (..., T, d)
    return x * cos + rot
    # END SOLUTION


class RotaryEmbedding(Module):
    """Rotate the last axis of ``(..., T, d)`` queries or keys by their positions.

    Parameters
    ----------
    dim : int
        $d$, the head width (even).
    base : float
        $b$ in $\\theta_i = b^{-2i/d}$.
    """

    def __init__(self, dim: int, base: float = 10000.0) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"RotaryEmbedding: dim must be even, got {dim}")
        self.dim, self.base = dim, base

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """``x`` of shape ``(..., T, dim)`` at positions ``offset, ..., offset + T - 1``."""
        if x.shape[-1] != self.dim:
            raise ValueError(f"RotaryEmbedding({self.dim}): input of shape {x.shape}")
        cos, sin = rope_angles(x.shape[-2], self.dim, self.base, offset)
        return apply_rotary(x, cos, sin)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, base={self.base}"
