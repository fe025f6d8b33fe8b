r"""Sinusoidal position encodings (Vaswani et al., 2017), a fixed table added to embeddings.

$$PE_{m, 2i} = \sin(m / b^{2i/d}),\qquad PE_{m, 2i+1} = \cos(m / b^{2i/d}),\qquad b = 10{,}000.$$

Each pair of features is a clock of its own frequency; $PE_{m+k}$ is a rotation of
$PE_m$ that depends only on $k$, so a linear map can read relative offsets.

>>> sinusoidal_table(3, 4)[0].tolist()
[0.0, 1.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module

__all__ = ["SinusoidalPositionalEncoding", "sinusoidal_table"]


def sinusoidal_table(T: int, d: int, base: float = 10000.0, dtype: Any = np.float32) -> np.ndarray:
    """The table $PE$ of shape ``(T, d)`` (``d`` even)."""
    if d % 2:
        raise ValueError(f"sinusoidal_table: d must be even, got d={d}")
    # BEGIN SOLUTION
    m = np.arange(T, dtype=np.float64)[:, None]  # (T, 1)
    # $m / b^{2i/d}$
    angle = m / base ** (np.arange(0, d, 2, dtype=np.float64) / d)  # (T, d/2)
    pe = np.empty((T, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe.astype(dtype)
    # END SOLUTION


class SinusoidalPositionalEncoding(Module):
    """Add $PE$ to inputs of shape ``(N, T, d)`` (``batch_first``) at positions ``offset, ...``.

    Parameters
    ----------
    d_model : int
    max_len : int
        The longest sequence; longer inputs are an error naming both lengths.
    """

    def __init__(self, d_model: int, max_len: int = 5000, dtype: Any = np.float32) -> None:
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.register_buffer(
            "pe", Tensor(sinusoidal_table(max_len, d_model, dtype=dtype)), persistent=False
        )

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        T = x.shape[-2]
        if offset + T > self.max_len:
            raise ValueError(
                f"SinusoidalPositionalEncoding: positions up to {offset + T} exceed max_len={self.max_len}"
            )
        return x + self.pe.data[offset : offset + T].astype(x.dtype)
