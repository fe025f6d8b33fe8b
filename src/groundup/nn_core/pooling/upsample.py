r"""Upsampling by interpolation (``interpolate``, ``Upsample``): nearest and bilinear, NCHW.

Each output pixel $(h, w)$ maps to a *source* position in the input. Along one axis of
input length $n$ and output length $m$, with ``scale`` $= n/m$ (or $1/$``scale_factor``
when it was given):

* ``nearest``: source $\min(\lfloor h\cdot\text{scale}\rfloor, n - 1)$; the output copies
  that pixel. The gradient of a copy is a scatter-add onto the source.
* ``bilinear``, ``align_corners=False`` (pixels are unit squares, centres aligned):
  $u = \max(\text{scale}\,(h + \tfrac12) - \tfrac12,\ 0)$;
  ``align_corners=True`` (corner pixels aligned): $u = h\,(n-1)/(m-1)$. The output mixes
  the two neighbours $i_0 = \lfloor u \rfloor$ and $i_1 = \min(i_0 + 1, n - 1)$ with weights
  $1 - \lambda$ and $\lambda = u - i_0$.

Bilinear interpolation is linear and acts on rows and columns separately, so it is two
matrix products $y = A_H\, x\, A_W^\top$ with $A$ holding the weights $1-\lambda, \lambda$;
the gradient $A_H^\top g A_W$ comes from the engine's matmul rule.

>>> import numpy as np
>>> from groundup import Tensor
>>> interpolate(Tensor(np.array([[[[1.0, 2.0]]]])), scale_factor=2).tolist()
[[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module

_MODES = ("nearest", "bilinear")


def _scale(n: int, m: int, scale_factor: float | None) -> float:
    """Source step per output pixel: $1/\\text{scale\\_factor}$ if given, else $n/m$."""
    return 1.0 / scale_factor if scale_factor is not None else n / m


def nearest_indices(n: int, m: int, scale_factor: float | None = None) -> np.ndarray:
    r"""Source pixel of each of ``m`` outputs: $\min(\lfloor h\cdot\text{scale}\rfloor, n-1)$.

    Computed in float32, as PyTorch's CPU kernel, so the rounding agrees with it.
    """
    if m == n:
        return np.arange(m)
    # BEGIN SOLUTION
    scale = np.float32(_scale(n, m, scale_factor))
    src = np.floor(np.arange(m, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(src, n - 1)
    # END SOLUTION


def linear_matrix(
    n: int, m: int, align_corners: bool, scale_factor: float | None, dtype: np.dtype
) -> np.ndarray:
    r"""$A$ of shape ``(m, n)``: output $h$ = $(1-\lambda)\,x_{i_0} + \lambda\, x_{i_1}$."""
    # BEGIN SOLUTION
    h = np.arange(m, dtype=np.float64)
    if align_corners:
        # $u = h (n-1)/(m-1)$
        u = h * ((n - 1) / (m - 1) if m > 1 else 0.0)
    else:
        # $u = \max(\text{scale}(h + 1/2) - 1/2, 0)$
        u = np.maximum(_scale(n, m, scale_factor) * (h + 0.5) - 0.5, 0.0)
    i0 = np.minimum(np.floor(u).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = u - i0  # $\lambda$
    A = np.zeros((m, n))
    np.add.at(A, (np.arange(m), i0), 1.0 - lam)
    np.add.at(A, (np.arange(m), i1), lam)
    return A.astype(dtype)
    # END SOLUTION


def _pair_or_none(value: float | Sequence[float] | None, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, int | float | np.number):
        return (value, value)
    out = tuple(value)
    if len(out) != 2:
        raise ValueError(f"interpolate: {name} must be a number or a pair, got {value!r}")
    return out  # type: ignore[return-value]


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Tensor:
    r"""Resize a batch of images (``torch.nn.functional.interpolate``, 2-D modes).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, H, W)``
    size : int or pair, optional
        Output $(H_o, W_o)$. Exactly one of ``size`` and ``scale_factor``.
    scale_factor : float or pair, optional
        $H_o = \lfloor H \cdot \text{scale\_factor} \rfloor$.
    mode : ``'nearest'`` or ``'bilinear'``
    align_corners : bool, optional
        Bilinear only (``False`` when omitted).
    recompute_scale_factor : bool, optional
        Use $H/H_o$ instead of ``1/scale_factor`` for the source positions.

    Returns
    -------
    Tensor of shape ``(N, C, H_o, W_o)``
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode must be one of {_MODES}, got {mode!r}")
    if x.ndim != 4:
        raise ValueError(
            f"interpolate: modes {_MODES} need a 4-D input (N, C, H, W), got shape {tuple(x.shape)}"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners can only be set with mode='bilinear'")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    H, W = x.shape[-2:]
    scales = _pair_or_none(scale_factor, "scale_factor")
    if size is not None:
        Ho, Wo = (int(size), int(size)) if isinstance(size, int | np.integer) else map(int, size)
        scales = None
    else:
        Ho, Wo = int(np.floor(H * float(scales[0]))), int(np.floor(W * float(scales[1])))
        if recompute_scale_factor:
            scales = None
    if Ho < 1 or Wo < 1:
        raise ValueError(f"interpolate: output size ({Ho}, {Wo}) must be positive")
    sh, sw = (None, None) if scales is None else (float(scales[0]), float(scales[1]))
    if mode == "nearest":
        # BEGIN SOLUTION
        rows, cols = nearest_indices(H, Ho, sh), nearest_indices(W, Wo, sw)
        # copies: each output pixel reads one source pixel
        return x[:, :, rows][:, :, :, cols]  # (N, C, Ho, Wo)
        # END SOLUTION
    corners = bool(align_corners)
    # BEGIN SOLUTION
    A_H = linear_matrix(H, Ho, corners, sh, x.dtype)  # (Ho, H)
    A_W = linear_matrix(W, Wo, corners, sw, x.dtype)  # (Wo, W)
    # $y = A_H\, x\, A_W^\top$
    return (A_H @ x) @ A_W.T  # (N, C, Ho, Wo)
    # END SOLUTION


class Upsample(Module):
    """Upsampling layer (``torch.nn.Upsample``); see :func:`interpolate`."""

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size = size
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        return f"size={self.size}, scale_factor={self.scale_factor}, mode={self.mode!r}"
