r"""Max pooling: the largest value of each window, NCHW.

$$y[n, c, h, w] = \max_{i, j}\; \tilde x[n, c,\; s_h h + d_h i,\; s_w w + d_w j]$$

where $\tilde x$ is padded with $-\infty$. The maximum is a *selection*: $y$ is $x$ read
at one position per window, $y = x[\text{argmax}]$, so its gradient flows to that
position only (and adds up where windows overlap and share a maximum):

$$\frac{\partial L}{\partial x[n,c,p,q]} = \sum_{(h, w):\ \text{argmax}(h, w) = (p, q)} g[n,c,h,w].$$

Ties go to the *first* maximum in the window (row-major), as in PyTorch; a NaN counts as
the maximum (the last NaN of the window, as PyTorch's CPU kernel).

Everything is a loop over the $k_h k_w$ *taps* of the windows, never over windows: tap
$(i, j)$ of every window at once is the strided view
$\tilde x[:, :, d_h i :: s_h,\; d_w j :: s_w]$, shape ``(N, C, H_o, W_o)``. The maximum
is an elementwise ``np.maximum`` over the tap views, the argmax (``tap`` $= i k_w + j$) is
the first tap equal to it, and the backward adds $g$ into tap view $t$ where
``tap == t``: $k_h k_w$ plain vectorised sums, no per-element scatter (``np.add.at`` was a
third of a small CNN's training step). The selection and its adjoint are a pair of
primitives (:class:`TapGather2d`, :class:`TapScatter2d`), each the other's backward, so
second derivatives work too.

>>> import numpy as np
>>> from groundup import Tensor
>>> max_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).tolist()
[[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.conv.conv2d import IntPair, pair
from groundup.nn_core.conv.im2col import ConvGeometry, pad_image
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


def tap_views(x_padded: np.ndarray, geometry: ConvGeometry) -> list[np.ndarray]:
    r"""Tap $(i, j)$ of every window, for each tap in row-major order (views, no copy).

    Parameters
    ----------
    x_padded : ndarray of shape ``(N, C, Hp, Wp)``

    Returns
    -------
    list of $k_h k_w$ ndarrays of shape ``(N, C, H_o, W_o)``; entry ``[n, c, h, w]`` of
    view $t = i k_w + j$ is $\tilde x[n, c, s_h h + d_h i, s_w w + d_w j]$. Writable when
    ``x_padded`` is.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    Ho, Wo = geometry.out_size
    return [
        x_padded[:, :, dh * i : dh * i + sh * (Ho - 1) + 1 : sh, dw * j : dw * j + sw * (Wo - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]  # fmt: skip


def _first_inside_tap(geometry: ConvGeometry) -> np.ndarray:
    r"""Per window, the first tap that reads the image rather than padding, shape ``(H_o, W_o)``.

    PyTorch's kernel starts each window's argmax there, so a window whose real pixels are
    all $-\infty$ points at its first real pixel, not at padding.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    (Ho, Wo), (pt, _, pl, _) = geometry.out_size, geometry.padding
    # smallest i with s h + d i - p >= 0
    i0 = np.maximum(0, -(-(pt - np.arange(Ho) * sh) // dh))  # (Ho,)
    j0 = np.maximum(0, -(-(pl - np.arange(Wo) * sw) // dw))  # (Wo,)
    return np.minimum(i0, kh - 1)[:, None] * kw + np.minimum(j0, kw - 1)[None, :]


def window_max(x: np.ndarray, geometry: ConvGeometry) -> tuple[np.ndarray, np.ndarray]:
    r"""Each window's maximum and which tap $t = i k_w + j$ holds it (the first, on ties).

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``

    Returns
    -------
    y : ndarray of shape ``(N, C, H_o, W_o)``, the maxima (NaN where a window holds one).
    tap : ndarray of unsigned ints, shape ``(N, C, H_o, W_o)``; both in ``x``'s memory
        order (a conv's channels-last output stays channels-last).
    """
    # BEGIN SOLUTION
    taps = tap_views(pad_image(x, geometry, value=-np.inf), geometry)
    # $y = \max_t \tilde x_t$ (np.maximum propagates NaN, as PyTorch)
    y = np.copy(taps[0], order="K")  # (N, C, Ho, Wo)
    for v in taps[1:]:
        np.maximum(y, v, out=y)
    # the first tap that reaches the maximum = how many taps before it stay below it:
    # $\text{tap} = \sum_{t < k_h k_w - 1} \prod_{s \le t} [\tilde x_s < y]$
    tap = np.zeros_like(y, dtype=np.min_scalar_type(len(taps) - 1))  # (N, C, Ho, Wo)
    below_so_far = np.ones_like(y, dtype=bool)
    below = np.empty_like(below_so_far)
    for v in taps[:-1]:
        np.less(v, y, out=below)
        np.logical_and(below_so_far, below, out=below_so_far)
        np.add(tap, below_so_far, out=tap)
    if any(geometry.padding):  # a window of real -inf pixels: its first real pixel
        np.copyto(tap, _first_inside_tap(geometry).astype(tap.dtype), where=y == -np.inf)
    nan = np.isnan(y)
    if nan.any():  # NaN != NaN: the last NaN of the window, as PyTorch's CPU kernel
        for t, v in enumerate(taps):
            np.copyto(tap, t, where=nan & np.isnan(v))
    return y, tap
    # END SOLUTION


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
    return tap_to_index(window_max(x, geometry)[1], geometry)


def tap_to_index(tap: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """Window $(h, w)$, tap $(i, j)$ -> flat input index $pW + q$, int64, as ``tap``'s shape."""
    (_kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    (_H, W), (Ho, Wo) = geometry.image_size, geometry.out_size
    pt, _, pl, _ = geometry.padding
    i, j = np.divmod(tap.astype(np.int64), kw)
    # padded pixel (s h + d i, s w + d j) -> input pixel: minus the top/left padding
    rows = np.arange(Ho)[:, None] * sh + i * dh - pt  # (N, C, Ho, Wo)
    cols = np.arange(Wo)[None, :] * sw + j * dw - pl  # (N, C, Ho, Wo)
    return rows * W + cols


def _channels_last(x: np.ndarray) -> bool:
    """Whether an ``(N, C, H, W)`` array is stored ``(N, H, W, C)`` (a conv's output is)."""
    return x.shape[1] > 1 and x.strides[1] == x.itemsize


def _zeros_like_layout(
    x: np.ndarray, shape: tuple[int, int, int, int], dtype: np.dtype
) -> np.ndarray:
    """Zeros of ``shape`` (NCHW) in ``x``'s memory order: channels-last if ``x`` is."""
    if _channels_last(x):
        N, C, H, W = shape
        return np.zeros((N, H, W, C), dtype=dtype).transpose(0, 3, 1, 2)
    return np.zeros(shape, dtype=dtype)


class TapGather2d(Function):
    r"""$y[n,c,h,w] = \tilde x[n,c,\, s_h h + d_h i_t,\, s_w w + d_w j_t]$, $t$ = ``tap[n,c,h,w]``.

    Backward: :class:`TapScatter2d` of $g$ (the adjoint of a selection is a scatter-add).
    """

    @staticmethod
    def forward(
        ctx: Node, x: np.ndarray, tap: Any = None, geometry: Any = None, values: Any = None
    ) -> np.ndarray:
        """``values``: the selection, when the caller already has it (max pooling does)."""
        ctx.tap, ctx.geometry = tap, geometry
        if values is not None:
            return values
        y = np.zeros(tap.shape, dtype=x.dtype)  # (N, C, Ho, Wo)
        for t, v in enumerate(tap_views(pad_image(x, geometry), geometry)):
            np.copyto(y, v, where=tap == t)
        return y

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return TapScatter2d.apply(grad, tap=ctx.tap, geometry=ctx.geometry)


class TapScatter2d(Function):
    r"""$\bar x = \sum_t$ (tap view $t$ of $\bar x$) $\mathrel{+}= [\text{tap} = t]\, g$, cropped.

    The adjoint of :class:`TapGather2d`: one vectorised sum per tap (windows that overlap
    add up where they share a maximum); its backward is the gather again.
    """

    @staticmethod
    def forward(ctx: Node, g: np.ndarray, tap: Any = None, geometry: Any = None) -> np.ndarray:
        ctx.tap, ctx.geometry = tap, geometry
        (H, W), (Hp, Wp) = geometry.image_size, geometry.padded_size
        pt, _, pl, _ = geometry.padding
        (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
        overlap = sh < dh * (kh - 1) + 1 or sw < dw * (kw - 1) + 1
        # BEGIN SOLUTION
        gx = _zeros_like_layout(tap, (g.shape[0], g.shape[1], Hp, Wp), g.dtype)
        if _channels_last(g) != _channels_last(tap):  # one copy, then every pass is contiguous
            g_copy = np.empty_like(tap, dtype=g.dtype)  # (N, C, Ho, Wo) in tap's memory order
            g_copy[...] = g
            g = g_copy
        hit = np.empty_like(tap, dtype=bool)
        finite = np.isfinite(g.sum())  # else [tap = t] g would turn 0 * inf into NaN
        for t, view in enumerate(tap_views(gx, geometry)):
            np.equal(tap, t, out=hit)
            if not finite:
                np.add(view, g, out=view, where=hit)
            elif overlap:
                view += g * hit
            else:  # each pixel is in one window at most: a plain write
                np.multiply(g, hit, out=view)
        return gx[:, :, pt : pt + H, pl : pl + W]  # (N, C, H, W)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return TapGather2d.apply(grad, tap=ctx.tap, geometry=ctx.geometry)


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
    values, tap = window_max(x.data, geometry)  # (N, C, Ho, Wo) each
    # $y = x[\text{argmax}]$: a selection, whose adjoint adds $g$ onto the maxima
    y = TapGather2d.apply(x, tap=tap, geometry=geometry, values=values)
    if unbatched:
        y, tap = y.squeeze(0), tap[0]
    if return_indices:
        return y, Tensor(tap_to_index(tap, geometry))
    return y


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
