r"""The geometry of a 2-D convolution, and the data movements it is made of.

A convolution slides a $k_h \times k_w$ window, with gaps of $d$ (dilation) between
taps, over the zero-padded image in steps of $s$ (stride). Output pixel $(h, w)$ reads

$$\tilde x[n, c,\; s_h h + d_h i,\; s_w w + d_w j], \qquad 0 \le i < k_h,\ 0 \le j < k_w,$$

so the output size is $H_o = \lfloor (H + p_t + p_b - d_h (k_h - 1) - 1) / s_h \rfloor + 1$.

* :func:`im2col` copies every window (a *patch*) into one row of a matrix
  $X_{\text{col}}$ of shape $(N H_o W_o,\ k_h k_w C)$; a convolution is then one matrix
  product (GEMM) with the weight flattened the same way. The windows are a *view* of
  the padded image (``sliding_window_view``): no Python loop over pixels or images.
* :func:`col2im` is its adjoint: it adds every patch back onto the pixels it was read
  from (a pixel read by several windows receives the sum). It loops over the $k_h k_w$
  kernel taps, never over pixels.

Memory layout. Tensors are ``(N, C, H, W)`` (PyTorch's NCHW) for the user, but the
arrays made here are *channels-last* in memory, ``(N, H, W, C)``, handed out as the NCHW
view: then a patch's $C$ channels are contiguous, so the im2col copy moves long runs, the
GEMM's output $(N H_o W_o, O)$ *is* the next activation (no transposing copy), and a
gradient arriving in that layout is a GEMM operand for free. NumPy's elementwise ops
and reductions work on any layout.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about a 2-D convolution except the values.

    Attributes
    ----------
    kernel_size, stride, dilation : tuple of int
        $(k_h, k_w)$, $(s_h, s_w)$, $(d_h, d_w)$.
    padding : tuple of int
        $(p_t, p_b, p_l, p_r)$: zeros added at the top, bottom, left and right.
    groups : int
        Channels are split into ``groups`` independent convolutions.
    image_size : tuple of int
        $(H, W)$ of the un-padded image: the input of ``conv2d``, the output of
        ``conv_transpose2d``.
    out_size : tuple of int
        $(H_o, W_o)$ of the convolution's output (the input of ``conv_transpose2d``).
    """

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int
    image_size: tuple[int, int]
    out_size: tuple[int, int]

    @property
    def padded_size(self) -> tuple[int, int]:
        """$(H + p_t + p_b,\\; W + p_l + p_r)$."""
        pt, pb, pl, pr = self.padding
        return self.image_size[0] + pt + pb, self.image_size[1] + pl + pr


def conv_out_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    r"""$\lfloor (n + p - d(k-1) - 1)/s \rfloor + 1$: output length along one axis."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pad_image(x: np.ndarray, geometry: ConvGeometry, value: float = 0.0) -> np.ndarray:
    """``x`` padded with ``value``, channels-last in memory.

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``

    Returns
    -------
    ndarray of shape ``(N, C, H + p_t + p_b, W + p_l + p_r)`` (a view of an
    ``(N, Hp, Wp, C)`` buffer), or ``x`` itself when there is no padding.
    """
    N, C, H, W = x.shape
    pt, pb, pl, pr = geometry.padding
    Hp, Wp = H + pt + pb, W + pl + pr
    if Hp == H and Wp == W:
        return x
    buf = np.full((N, Hp, Wp, C), value, dtype=x.dtype)  # (N, Hp, Wp, C)
    buf[:, pt : pt + H, pl : pl + W, :] = x.transpose(0, 2, 3, 1)
    return buf.transpose(0, 3, 1, 2)  # (N, C, Hp, Wp)


def channels_last(x: np.ndarray) -> np.ndarray:
    """``x`` with the memory order ``(N, H, W, C)``: ``x`` itself if it has it, else a copy.

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``

    Returns
    -------
    ndarray of shape ``(N, C, H, W)``, the view of an ``(N, H, W, C)`` C-contiguous array.
    """
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def windows(x_padded: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """Every window of the padded image, as a view (no copy).

    Parameters
    ----------
    x_padded : ndarray of shape ``(N, C, Hp, Wp)``

    Returns
    -------
    ndarray of shape ``(N, C, H_o, W_o, k_h, k_w)``: entry ``[n, c, h, w, i, j]`` is
    $\\tilde x[n, c, s_h h + d_h i, s_w w + d_w j]$.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    Ho, Wo = geometry.out_size
    # A window of the dilated kernel's extent, then every d-th tap of it and every s-th window.
    # BEGIN SOLUTION
    span = sliding_window_view(x_padded, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return span[:, :, : (Ho - 1) * sh + 1 : sh, : (Wo - 1) * sw + 1 : sw, ::dh, ::dw]
    # END SOLUTION


# per thread: dtype -> the reused flat buffer of scratch(). Thread-local, so a convolution
# running in another thread (a data-loading or watch thread, a second model) never
# overwrites the patch matrix this thread is about to multiply.
_SCRATCH = threading.local()


def scratch(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A reused, uninitialised buffer of ``shape``: the next call overwrites it.

    A patch matrix is large (ResNet-18's first stage: 231 MB per call) and lives only
    until the GEMM that reads it. A fresh allocation of that size costs more in page
    faults (the kernel mapping and zeroing new memory) than the im2col copy itself, so
    one buffer per dtype is kept and grown when needed. Use the result at once, before
    the next ``scratch`` call.
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    buffers = _SCRATCH.__dict__.setdefault("buffers", {})
    buf = buffers.get(dtype)
    if buf is None or buf.size < size:
        buf = buffers[dtype] = np.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


def release_scratch() -> None:
    """Drop this thread's :func:`scratch` buffers (up to the largest patch matrix made so far)."""
    _SCRATCH.__dict__.pop("buffers", None)


def im2col(x: np.ndarray, geometry: ConvGeometry, reuse: bool = False) -> np.ndarray:
    """The patches of ``x`` as the rows of one matrix per group (the one copy).

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``
    reuse : bool
        Copy into the :func:`scratch` buffer instead of a new array: for a matrix used
        at once and then dropped.

    Returns
    -------
    ndarray of shape ``(G, N * H_o * W_o, k_h * k_w * C/G)``: rows ordered ``(n, h, w)``,
    columns ``(i, j, c)`` like :func:`weight_matrix`.
    """
    N, C = x.shape[:2]
    (kh, kw), G = geometry.kernel_size, geometry.groups
    Ho, Wo = geometry.out_size
    if C == 1 and kh * kw > 1:
        return _im2col_one_channel(x, geometry, reuse)
    x_padded = pad_image(x, geometry)  # (N, C, Hp, Wp), channels-last unless unpadded
    if x_padded is x and kh * kw > 1:
        # Unpadded, ``x`` may be NCHW in memory: then a patch's $C$ channels lie $HW$ apart
        # and the copy below gathers single numbers. One transposing copy of the ($k_h k_w$
        # times smaller) image first makes each patch row runs of $k_w C$ contiguous numbers.
        x_padded = channels_last(x)  # (N, C, H, W), channels-last
    # BEGIN SOLUTION
    win = windows(x_padded, geometry)  # (N, C, Ho, Wo, kh, kw), a view
    win = win.reshape(N, G, C // G, Ho, Wo, kh, kw)  # still a view: C split into (G, C/G)
    win = win.transpose(1, 0, 3, 4, 5, 6, 2)  # (G, N, Ho, Wo, kh, kw, C/G)
    # END SOLUTION
    if not reuse:
        return win.reshape(G, N * Ho * Wo, kh * kw * (C // G))
    cols = scratch(win.shape, x.dtype)
    np.copyto(cols, win)
    return cols.reshape(G, N * Ho * Wo, kh * kw * (C // G))


def _im2col_one_channel(x: np.ndarray, geometry: ConvGeometry, reuse: bool) -> np.ndarray:
    """:func:`im2col` of a one-channel image (a grayscale network's first layer).

    A patch row is then $k_h$ runs of only $k_w$ numbers, and NumPy's copy of the window
    view pays its per-run overhead 5 numbers at a time (2.9 ms for LeNet's first layer).
    Filled one kernel tap at a time instead, each copy is a shifted slice of the image
    with runs of $W_o$ numbers (3x faster); the matrix is built transposed,
    $(k_h k_w, N H_o W_o)$, and handed out as its ``(1, N H_o W_o, k_h k_w)`` view,
    which a GEMM reads without a copy.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    N, (Ho, Wo) = x.shape[0], geometry.out_size
    image = pad_image(x, geometry)[:, 0]  # (N, Hp, Wp)
    shape = (kh, kw, N, Ho, Wo)
    taps = scratch(shape, x.dtype) if reuse else np.empty(shape, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            top, left = dh * i, dw * j
            rows = slice(top, top + (Ho - 1) * sh + 1, sh)
            cols = slice(left, left + (Wo - 1) * sw + 1, sw)
            taps[i, j] = image[:, rows, cols]  # (N, Ho, Wo)
    return taps.reshape(kh * kw, N * Ho * Wo).T[None]  # (1, N*Ho*Wo, kh*kw), a view


def weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """``(O, C/G, k_h, k_w)`` -> ``(G, k_h k_w C/G, O/G)``, rows ``(i, j, c)`` as :func:`im2col`."""
    O, C_g, kh, kw = w.shape
    G = groups
    return (
        w.reshape(G, O // G, C_g, kh, kw).transpose(0, 3, 4, 2, 1).reshape(G, kh * kw * C_g, O // G)
    )


def weight_taps(w: np.ndarray, groups: int) -> np.ndarray:
    """``(O, C/G, k_h, k_w)`` -> ``(G, k_h k_w, O/G, C/G)``: one ``(O/G, C/G)`` matrix per tap."""
    O, C_g, kh, kw = w.shape
    G = groups
    return w.reshape(G, O // G, C_g, kh * kw).transpose(0, 3, 1, 2)


def pixel_rows(y: np.ndarray, groups: int) -> np.ndarray:
    """``(N, O, H, W)`` -> ``(G, N H W, O/G)``: one row per pixel; free for channels-last ``y``."""
    N, O, H, W = y.shape
    return y.transpose(0, 2, 3, 1).reshape(N * H * W, groups, O // groups).transpose(1, 0, 2)


def from_pixel_rows(rows: np.ndarray, N: int, H: int, W: int) -> np.ndarray:
    """``(G, N H W, O/G)`` -> ``(N, O, H, W)``, channels-last (a copy only when G > 1)."""
    G, _, O_g = rows.shape
    return rows.transpose(1, 0, 2).reshape(N, H, W, G * O_g).transpose(0, 3, 1, 2)


def col2im(taps: np.ndarray, geometry: ConvGeometry, batch: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every patch entry back onto its pixel.

    Parameters
    ----------
    taps : ndarray of shape ``(G, k_h k_w, N H_o W_o, C/G)``
        ``taps[g, i k_w + j, (n, h, w), c]``: the value for tap $(i, j)$ of the window of
        output pixel $(n, h, w)$, channel $c$ of group $g$.
    batch : int
        $N$.

    Returns
    -------
    ndarray of shape ``(N, C, H, W)`` (channels-last in memory), with pixel $(p, q)$ the
    sum over all $(h, i, w, j)$ with $s_h h + d_h i - p_t = p$ and $s_w w + d_w j - p_l = q$.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    (Ho, Wo), (H, W), (Hp, Wp) = geometry.out_size, geometry.image_size, geometry.padded_size
    pt, _, pl, _ = geometry.padding
    G, C_g = taps.shape[0], taps.shape[3]
    taps = taps.reshape(G, kh, kw, batch, Ho, Wo, C_g).transpose(1, 2, 3, 4, 5, 0, 6)
    out = np.zeros((batch, Hp, Wp, G, C_g), dtype=taps.dtype)  # (N, Hp, Wp, G, C/G)
    # BEGIN SOLUTION
    for i in range(kh):  # a loop over the k_h * k_w taps, each a strided add over all pixels
        for j in range(kw):
            top, left = dh * i, dw * j
            rows = slice(top, top + (Ho - 1) * sh + 1, sh)
            cols = slice(left, left + (Wo - 1) * sw + 1, sw)
            out[:, rows, cols] += taps[i, j]  # (N, Ho, Wo, G, C/G)
    # END SOLUTION
    out = out.reshape(batch, Hp, Wp, G * C_g)[:, pt : pt + H, pl : pl + W]
    return out.transpose(0, 3, 1, 2)  # (N, C, H, W)
