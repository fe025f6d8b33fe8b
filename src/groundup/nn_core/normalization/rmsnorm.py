r"""RMS normalisation (Zhang & Sennrich, 2019): layer norm without the mean.

Over the trailing ``normalized_shape`` axes ($D$ values),

$$y_i = \frac{x_i}{\sqrt{\frac1D\sum_j x_j^2 + \epsilon}}\,\gamma_i.$$

Dropping the centring (and $\beta$) costs nothing in accuracy for transformers and saves
a reduction; LLaMA-style models use it. ``eps=None`` means the machine epsilon of the
input's dtype, as PyTorch. Written as a composite of tensor operations.

>>> import numpy as np
>>> from groundup import Tensor
>>> y = RMSNorm(2)(Tensor(np.array([[3.0, 4.0]])))
>>> np.round(y.data, 4).tolist()  # rms of (3, 4) is sqrt(12.5)
[[0.8485, 1.1314]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module, Parameter

__all__ = ["RMSNorm", "rms_norm"]


def rms_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    r"""$x / \sqrt{\mathrm{mean}(x^2) + \epsilon} \cdot \gamma$ over the trailing axes (``torch.nn.functional.rms_norm``)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise ValueError(
            f"rms_norm: input of shape {input.shape} does not end with normalized_shape {shape}"
        )
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    # $\frac1D\sum_j x_j^2$
    mean_square = (input * input).mean(axes, keepdim=True)  # (*, 1...)
    y = input / (mean_square + eps).sqrt()
    return y * weight if weight is not None else y


class RMSNorm(Module):
    r"""RMS norm over the trailing ``normalized_shape`` axes (``torch.nn.RMSNorm``).

    With ``elementwise_affine``, learns $\gamma$ (``weight``, ones) of shape ``normalized_shape``.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def forward(self, input: Tensor) -> Tensor:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
