r"""The geometry of a 2-D convolution, and the two data movements it is made of.

A convolution slides a $k_h \times k_w$ window, with gaps of $d$ (dilation) between
taps, over the zero-padded image in steps of $s$ (stride). Output pixel $(h, w)$ reads

$$\tilde x[n, c,\; s_h h + d_h i,\; s_w w + d_w j], \qquad 0 \le i < k_h,\ 0 \le j < k_w,$$

so the output size is $H_o = \lfloor (H + p_t + p_b - d_h (k_h - 1) - 1) / s_h \rfloor + 1$.

* :func:`im2col` copies every window into one column of a matrix; a convolution is then
  one matrix product (GEMM). The windows are a *view* of the padded image
  (``sliding_window_view``): no Python loop over pixels or images.
* :func:`col2im` is its adjoint: it adds every column back onto the pixels it was read
  from (a pixel read by several windows receives the sum). It loops over the $k_h k_w$
  kernel taps, never over pixels.

Arrays built here are *channel-major* in memory, shape ``(C, N, H, W)``, and handed out
as the ``(N, C, H, W)`` view: then the GEMM's input and output need no transposing copy
(``(C, N*H*W)`` is a free reshape), and NumPy's elementwise ops work on any layout.
"""

from __future__ import annotations

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
    """``x`` padded with ``value``, channel-major in memory.

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``

    Returns
    -------
    ndarray of shape ``(N, C, H + p_t + p_b, W + p_l + p_r)`` (a view of a
    ``(C, N, Hp, Wp)`` buffer).
    """
    N, C, H, W = x.shape
    pt, pb, pl, pr = geometry.padding
    Hp, Wp = H + pt + pb, W + pl + pr
    if Hp == H and Wp == W:
        return x
    buf = np.full((C, N, Hp, Wp), value, dtype=x.dtype)  # (C, N, Hp, Wp)
    buf[:, :, pt : pt + H, pl : pl + W] = x.transpose(1, 0, 2, 3)
    return buf.transpose(1, 0, 2, 3)  # (N, C, Hp, Wp)


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
    span = sliding_window_view(x_padded, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return span[:, :, : (Ho - 1) * sh + 1 : sh, : (Wo - 1) * sw + 1 : sw, ::dh, ::dw]


def im2col(x: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """The windows of ``x`` as the columns of one matrix per group (the one copy).

    Parameters
    ----------
    x : ndarray of shape ``(N, C, H, W)``

    Returns
    -------
    ndarray of shape ``(G, C/G * k_h * k_w, N * H_o * W_o)``, rows ordered
    ``(c, i, j)`` like a weight ``(O, C/G, k_h, k_w)`` flattened, columns ``(n, h, w)``.
    """
    N, C = x.shape[:2]
    (kh, kw), G = geometry.kernel_size, geometry.groups
    Ho, Wo = geometry.out_size
    win = windows(pad_image(x, geometry), geometry)  # (N, C, Ho, Wo, kh, kw), a view
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(G, C // G * kh * kw, N * Ho * Wo)


def col2im(cols: np.ndarray, geometry: ConvGeometry, batch: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column back onto the pixels it came from.

    Parameters
    ----------
    cols : ndarray of shape ``(G, C/G * k_h * k_w, N * H_o * W_o)``
    batch : int
        $N$.

    Returns
    -------
    ndarray of shape ``(N, C, H, W)`` (channel-major in memory), with
    $\\sum_{(h,i):\\, s_h h + d_h i = p - p_t}\\; \\sum_{(w,j):\\, s_w w + d_w j = q - p_l}
    \\mathrm{cols}[c, i, j, n, h, w]$ at pixel $(p - p_t, q - p_l)$.
    """
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel_size, geometry.stride, geometry.dilation
    (Ho, Wo), (H, W), (Hp, Wp) = geometry.out_size, geometry.image_size, geometry.padded_size
    pt, _, pl, _ = geometry.padding
    C = cols.shape[0] * cols.shape[1] // (kh * kw)
    cols = cols.reshape(C, kh, kw, batch, Ho, Wo)
    out = np.zeros((C, batch, Hp, Wp), dtype=cols.dtype)  # (C, N, Hp, Wp)
    for i in range(kh):  # a loop over the k_h * k_w taps, each a strided add over all pixels
        for j in range(kw):
            top, left = dh * i, dw * j
            out[:, :, top : top + (Ho - 1) * sh + 1 : sh, left : left + (Wo - 1) * sw + 1 : sw] += (
                cols[:, i, j]
            )
    return out[:, :, pt : pt + H, pl : pl + W].transpose(1, 0, 2, 3)  # (N, C, H, W)
