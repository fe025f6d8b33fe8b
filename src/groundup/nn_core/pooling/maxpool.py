r"""Max pooling: the largest value of each window, NCHW.

$$y[n, c, h, w] = \max_{i, j}\; \tilde x[n, c,\; s_h h + d_h i,\; s_w w + d_w j]$$

where $\tilde x$ is padded with $-\infty$. The maximum is a *selection*: $y$ is $x$ read
at one position per window, $y = x[\text{argmax}]$, so its gradient flows to that
position only (and adds up where windows overlap and share a maximum):

$$\frac{\partial L}{\partial x[n,c,p,q]} = \sum_{(h, w):\ \text{argmax}(h, w) = (p, q)} g[n,c,h,w].$$

Ties go to the *first* maximum in the window (row-major), as in PyTorch; a NaN counts as
the maximum (the last NaN of the window, as PyTorch's CPU kernel). The argmax is found
by a loop over the $k_h k_w$ taps of the window view (no copy of the windows); the
selection and its scatter-add adjoint are the engine's indexing ops, so second
derivatives work too.

>>> import numpy as np
>>> from groundup import Tensor
>>> max_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).tolist()
[[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.conv.conv2d import IntPair, pair
from groundup.nn_core.conv.im2col import ConvGeometry, pad_image, windows
from groundup.nn_core.module import Module


def _pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length; with ``ceil_mode`` the last window must start inside."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def pool2d_geometry(
    input_shape: tuple[int, ...],
    kernel_size: IntPair,
    stride: IntPair | None,
    padding: IntPair,
    dilation: IntPair,
    ceil_mode: bool,
    fn: str,
) -> ConvGeometry:
    """Check a pooling's arguments; its windows as a :class:`ConvGeometry` (groups = C).

    ``ceil_mode`` windows that run past the bottom/right are given extra padding there.
    """
    if len(input_shape) != 4:
        raise ValueError(f"{fn}: expected a 4-D input (N, C, H, W), got shape {input_shape}")
    _N, C, H, W = input_shape
    kh, kw = pair(kernel_size, "kernel_size", fn)
    sh, sw = (kh, kw) if stride is None else pair(stride, "stride", fn)
    ph, pw = pair(padding, "padding", fn, minimum=0)
    dh, dw = pair(dilation, "dilation", fn)
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(
            f"{fn}: padding {(ph, pw)} should be at most half of the kernel size {(kh, kw)}"
        )
    Ho = _pool_out_size(H, kh, sh, ph, dh, ceil_mode)
    Wo = _pool_out_size(W, kw, sw, pw, dw, ceil_mode)
    if Ho < 1 or Wo < 1:
        raise ValueError(
            f"{fn}: input of spatial size ({H}, {W}) (padded: ({H + 2 * ph}, {W + 2 * pw})) is "
            f"smaller than the kernel ({dh * (kh - 1) + 1}, {dw * (kw - 1) + 1})"
        )
    # extra bottom/right padding for ceil_mode windows that run past the padded input
    eh = max(0, (Ho - 1) * sh + dh * (kh - 1) + 1 - (H + 2 * ph))
    ew = max(0, (Wo - 1) * sw + dw * (kw - 1) + 1 - (W + 2 * pw))
    pads = (ph, ph + eh, pw, pw + ew)
    return ConvGeometry((kh, kw), (sh, sw), pads, (dh, dw), C, (H, W), (Ho, Wo))


def max_pool2d_indices(x: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """The position of each window's maximum, as PyTorch's ``return_indices``.

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``

    Returns
    -------
    ndarray of int64, shape ``(N, C, H_o, W_o)``: flat indices $p W + q$ into each
    ``(H, W)`` plane.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    (H, W), (Ho, Wo) = geometry.image_size, geometry.out_size
    pt, _, pl, _ = geometry.padding
    # BEGIN SOLUTION
    win = windows(pad_image(x, geometry, value=-np.inf), geometry)  # (N, C, Ho, Wo, kh, kw), a view
    best = win[..., 0, 0].copy()  # (N, C, Ho, Wo) running maximum
    tap = np.zeros(best.shape, dtype=np.int64)  # which tap holds it
    for i in range(kh):
        for j in range(kw):
            v = win[..., i, j]
            # strict '>' keeps the first maximum; a NaN always wins (PyTorch's CPU rule)
            better = (v > best) | np.isnan(v)
            np.copyto(best, v, where=better)
            tap[better] = i * kw + j
    # window (h, w), tap (i, j) -> padded pixel (s h + d i, s w + d w) -> input pixel
    rows = np.arange(Ho)[:, None] * sh + (tap // kw) * dh - pt  # (N, C, Ho, Wo)
    cols = np.arange(Wo)[None, :] * sw + (tap % kw) * dw - pl  # (N, C, Ho, Wo)
    # a window with only -inf picks its first tap, which may be padding: move it inside
    return np.clip(rows, 0, H - 1) * W + np.clip(cols, 0, W - 1)
    # END SOLUTION


def max_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    r"""2-D max pooling (``torch.nn.functional.max_pool2d``).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, H, W)`` or ``(C, H, W)``
    kernel_size, stride, padding, dilation : int or pair
        ``stride`` defaults to ``kernel_size``; ``padding`` at most half the kernel.
    ceil_mode : bool
        Round the output size up (a last, partial window), as PyTorch.
    return_indices : bool
        Also return the flat ``(H*W)`` index of each maximum.

    Returns
    -------
    Tensor of shape ``(N, C, H_o, W_o)`` (and the int64 indices of the same shape).
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    geometry = pool2d_geometry(
        tuple(x.shape), kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d"
    )
    N, C, H, W = x.shape
    indices = max_pool2d_indices(x.data, geometry)  # (N, C, Ho, Wo)
    # $y = x[\text{argmax}]$: a gather whose adjoint scatter-adds $g$ onto the maxima
    # BEGIN SOLUTION
    plane = (np.arange(N)[:, None] * C + np.arange(C)[None, :])[:, :, None, None] * (H * W)
    y = x.reshape(-1)[plane + indices]  # (N, C, Ho, Wo)
    # END SOLUTION
    if unbatched:
        y, indices = y.squeeze(0), indices[0]
    return (y, Tensor(indices)) if return_indices else y


class MaxPool2d(Module):
    """Max pooling layer (``torch.nn.MaxPool2d``); see :func:`max_pool2d`.

    Shapes: input ``(N, C, H, W)``, output ``(N, C, H_o, W_o)`` with
    $H_o = \\lfloor (H + 2p - d(k-1) - 1)/s \\rfloor + 1$ (rounded up with ``ceil_mode``).
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        return max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )
