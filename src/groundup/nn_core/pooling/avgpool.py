r"""Average pooling, fixed-window and adaptive, NCHW.

**AvgPool2d** averages each $k_h \times k_w$ window:

$$y[n,c,h,w] = \frac{1}{|\Omega_{hw}|} \sum_{(p,q) \in \Omega_{hw}} \tilde x[n,c,p,q].$$

The sum is a depthwise convolution with a kernel of ones (``groups = C``), so it reuses
the im2col convolution and its backward: each $g[n,c,h,w]/|\Omega_{hw}|$ is spread evenly
over its window (col2im). The divisor $|\Omega_{hw}|$ is $k_h k_w$ with
``count_include_pad=True`` (zero padding counts), or the number of real pixels in the
window otherwise, as PyTorch.

**AdaptiveAvgPool2d** picks the windows from the output size: output row $i$ of $H_o$
averages input rows $\lfloor iH/H_o \rfloor$ to $\lceil (i+1)H/H_o \rceil - 1$. Averaging
rows and columns separately is the same thing, so it is two matrix products,

$$y = A_H\, x\, A_W^\top, \qquad (A_H)_{ip} = \frac{[\,p \in \text{rows}(i)\,]}{|\text{rows}(i)|},$$

whose gradient $A_H^\top g A_W$ is the engine's matmul rule.

>>> import numpy as np
>>> from groundup import Tensor
>>> avg_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).tolist()
[[[[2.5, 4.5], [10.5, 12.5]]]]
>>> adaptive_avg_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 1).tolist()
[[[[7.5]]]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.conv.conv2d import Convolution2d, IntPair
from groundup.nn_core.module import Module
from groundup.nn_core.pooling.maxpool import pool2d_geometry


def _window_sizes(
    n: int, n_out: int, k: int, s: int, p: int, count_include_pad: bool
) -> np.ndarray:
    """Divisor along one axis: the window's length, clipped as PyTorch's ``avg_pool2d``."""
    start = np.arange(n_out) * s - p
    end = np.minimum(start + k, n + p)  # a window past the padding (ceil_mode) is cut
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    r"""2-D average pooling (``torch.nn.functional.avg_pool2d``).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, H, W)`` or ``(C, H, W)``
    kernel_size, stride, padding : int or pair
        ``stride`` defaults to ``kernel_size``; ``padding`` at most half the kernel.
    ceil_mode : bool
        Round the output size up (a last, partial window).
    count_include_pad : bool
        Whether the zero padding counts in the divisor.
    divisor_override : int, optional
        Divide every window sum by this instead.

    Returns
    -------
    Tensor of shape ``(N, C, H_o, W_o)``
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    geometry = pool2d_geometry(
        tuple(x.shape), kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d"
    )
    C, (H, W) = x.shape[1], geometry.image_size
    (kh, kw), (sh, sw), (Ho, Wo) = geometry.kernel_size, geometry.stride, geometry.out_size
    ph, pw = geometry.padding[0], geometry.padding[2]
    # $\sum_{(p,q) \in \Omega_{hw}} \tilde x$: a depthwise convolution with ones
    # BEGIN SOLUTION
    ones = np.ones((C, 1, kh, kw), dtype=x.dtype)
    window_sum = Convolution2d.apply(x, ones, geometry=geometry)  # (N, C, Ho, Wo)
    # END SOLUTION
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must be non-zero")
        y = window_sum / float(divisor_override)
    else:
        # BEGIN SOLUTION
        rows = _window_sizes(H, Ho, kh, sh, ph, count_include_pad)  # (Ho,)
        cols = _window_sizes(W, Wo, kw, sw, pw, count_include_pad)  # (Wo,)
        # $|\Omega_{hw}|$ = rows(h) * cols(w)
        y = window_sum * (1.0 / np.outer(rows, cols)).astype(x.dtype)  # (N, C, Ho, Wo)
        # END SOLUTION
    return y.squeeze(0) if unbatched else y


def _adaptive_matrix(n: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    r"""$A$ of shape ``(n_out, n)``: row $i$ averages $\lfloor i n/n_o \rfloor .. \lceil (i+1) n/n_o \rceil - 1$."""
    # BEGIN SOLUTION
    i = np.arange(n_out)
    start = (i * n) // n_out
    end = -((-(i + 1) * n) // n_out)  # ceil
    p = np.arange(n)
    inside = (p[None, :] >= start[:, None]) & (p[None, :] < end[:, None])  # (n_out, n)
    return (inside / (end - start)[:, None]).astype(dtype)
    # END SOLUTION


def _output_pair(output_size: int | Sequence[int | None] | None, H: int, W: int) -> tuple[int, int]:
    if output_size is None or isinstance(output_size, int | np.integer):
        sizes = (output_size, output_size)
    else:
        sizes = tuple(output_size)
        if len(sizes) != 2:
            raise ValueError(
                f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}"
            )
    Ho, Wo = (H if sizes[0] is None else int(sizes[0])), (W if sizes[1] is None else int(sizes[1]))
    if Ho < 1 or Wo < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    return Ho, Wo


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None] | None) -> Tensor:
    r"""Average pooling to a fixed output size (``torch.nn.functional.adaptive_avg_pool2d``).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, H, W)`` or ``(C, H, W)``
    output_size : int or pair
        $(H_o, W_o)$; ``None`` keeps that input size.

    Returns
    -------
    Tensor of shape ``(N, C, H_o, W_o)``: $y = A_H x A_W^\top$.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"adaptive_avg_pool2d: expected a 3-D or 4-D input, got shape {tuple(x.shape)}"
        )
    H, W = x.shape[-2:]
    Ho, Wo = _output_pair(output_size, H, W)
    if (Ho, Wo) == (1, 1):  # global average pooling
        return x.mean(dim=(-2, -1), keepdim=True)
    # BEGIN SOLUTION
    A_H = _adaptive_matrix(H, Ho, x.dtype)  # (Ho, H)
    A_W = _adaptive_matrix(W, Wo, x.dtype)  # (Wo, W)
    # $y = A_H\, x\, A_W^\top$
    return (A_H @ x) @ A_W.T  # (N, C, Ho, Wo)
    # END SOLUTION


class AvgPool2d(Module):
    """Average pooling layer (``torch.nn.AvgPool2d``); see :func:`avg_pool2d`."""

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (``torch.nn.AdaptiveAvgPool2d``)."""

    def __init__(self, output_size: int | Sequence[int | None] | None) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
