r"""2-D convolution (cross-correlation, as in every deep learning library), NCHW.

With a weight $W$ of shape $(O, C/G, k_h, k_w)$ and the zero-padded input $\tilde x$,

$$y[n, o, h, w] = b_o + \sum_{c \in \text{group}(o)} \sum_{i, j}
W[o, c, i, j]\; \tilde x[n, c,\; s_h h + d_h i,\; s_w w + d_w j].$$

Forward: copy every window into a row (:func:`~groundup.nn_core.conv.im2col.im2col`,
one strided view and one copy), then one matrix product per group: $Y = X_{\text{col}} W$
with $W$ flattened to $(k_h k_w C, O)$.

Backward, with $g = \partial L/\partial y$:

$$\frac{\partial L}{\partial W[o,c,i,j]} = \sum_{n,h,w} g[n,o,h,w]\;
\tilde x[n, c, s_h h + d_h i, s_w w + d_w j]
\qquad (\text{GEMM: } \bar W = g^\top X_{\text{col}}),$$

$$\frac{\partial L}{\partial \tilde x[n,c,p,q]} = \sum_{o}\sum_{\substack{(h,i):\, s_h h + d_h i = p\\
(w,j):\, s_w w + d_w j = q}} W[o,c,i,j]\; g[n,o,h,w]
\qquad (\text{a GEMM } g\, W_{ij} \text{ per tap, then col2im}),$$

and $\partial L/\partial b_o = \sum_{n,h,w} g[n,o,h,w]$. The input gradient *is* the
transposed convolution of $g$ with the same weight, and the weight gradient is a third
bilinear map of $(x, g)$. The three :class:`Function` s (two below, the third in
:mod:`~groundup.nn_core.conv.transposed_conv`) are written in terms of one another, so
every backward is itself differentiable: gradients of gradients (WGAN-GP's
penalty, Hessian-vector products) work through convolutions.

>>> import numpy as np
>>> from groundup import Tensor
>>> x = Tensor(np.ones((1, 1, 4, 4)))
>>> conv2d(x, Tensor(np.ones((1, 1, 3, 3))), padding=1).shape
(1, 1, 4, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.conv.im2col import (
    ConvGeometry,
    conv_out_size,
    from_pixel_rows,
    im2col,
    pixel_rows,
    weight_matrix,
)
from groundup.nn_core.module import Module, Parameter
from groundup.utils.seeding import make_rng

IntPair = int | Sequence[int]

# Patch matrices up to this size are kept from the forward pass for the weight gradient
# (LeNet's first layer: 10 MB); larger ones (ResNet-18's first stage: 231 MB) are copied
# twice into the reused scratch buffer rather than held between the passes.
KEEP_COLS_BYTES = 16 * 2**20


def pair(value: IntPair, name: str, fn: str, minimum: int = 1) -> tuple[int, int]:
    """``value`` as ``(v, v)`` or a given pair, each at least ``minimum``."""
    if isinstance(value, int | np.integer):
        out = (int(value), int(value))
    else:
        out = tuple(int(v) for v in value)
        if len(out) != 2:
            raise ValueError(f"{fn}: {name} must be an int or a pair of ints, got {value!r}")
    if min(out) < minimum:
        raise ValueError(f"{fn}: {name} must be >= {minimum}, got {value!r}")
    return out  # type: ignore[return-value]


def conv2d_geometry(
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    fn: str = "conv2d",
) -> ConvGeometry:
    """Check the arguments of a convolution and work out its geometry.

    Parameters
    ----------
    input_shape : tuple ``(N, C, H, W)``
    weight_shape : tuple ``(O, C/G, k_h, k_w)``
    padding : int, pair, ``'valid'`` or ``'same'``
        ``'same'`` pads $d(k-1)$ in total, the odd one on the bottom/right (as PyTorch).
    """
    if len(input_shape) != 4:
        raise ValueError(f"{fn}: expected a 4-D input (N, C, H, W), got shape {input_shape}")
    if len(weight_shape) != 4:
        raise ValueError(
            f"{fn}: expected a 4-D weight (out_channels, in_channels/groups, kH, kW), "
            f"got shape {weight_shape}"
        )
    _N, C, H, W = input_shape
    O, C_g, kh, kw = weight_shape
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive integer, got {groups!r}")
    if C != C_g * groups:
        raise ValueError(
            f"{fn}: expected input with {C_g * groups} channels (weight shape {weight_shape}, "
            f"groups={groups}), but got {C} channels (input shape {input_shape})"
        )
    if O % groups:
        raise ValueError(
            f"{fn}: out_channels {O} (weight shape {weight_shape}) is not divisible by "
            f"groups={groups}"
        )
    sh, sw = pair(stride, "stride", fn)
    dh, dw = pair(dilation, "dilation", fn)
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if (sh, sw) != (1, 1):
                raise ValueError(f"{fn}: padding='same' needs stride 1, got stride {stride!r}")
            # $p_t + p_b = d(k-1)$, the extra one at the bottom/right.
            th, tw = dh * (kh - 1), dw * (kw - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ValueError(
                f"{fn}: padding must be 'same', 'valid', an int or a pair, got {padding!r}"
            )
    else:
        ph, pw = pair(padding, "padding", fn, minimum=0)
        pads = (ph, ph, pw, pw)
    Hp, Wp = H + pads[0] + pads[1], W + pads[2] + pads[3]
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if Hp < eh or Wp < ew:
        raise ValueError(
            f"{fn}: input of spatial size ({H}, {W}) (padded: ({Hp}, {Wp})) is smaller than the "
            f"kernel ({eh}, {ew}) (kernel size ({kh}, {kw}), dilation ({dh}, {dw}))"
        )
    Ho = conv_out_size(H, kh, sh, pads[0] + pads[1], dh)
    Wo = conv_out_size(W, kw, sw, pads[2] + pads[3], dw)
    return ConvGeometry((kh, kw), (sh, sw), pads, (dh, dw), int(groups), (H, W), (Ho, Wo))


class Convolution2d(Function):
    r"""$y = W \star x$ (no bias): im2col, then $Y = X_{\text{col}} W$ per group.

    Backward: $\bar x = W^\top \star g$ (:class:`TransposedConvolution2d`),
    $\bar W = g \star x$ (:class:`ConvolutionWeightGrad2d`). The columns $X_{\text{col}}$ are not
    kept: the weight gradient copies them again into the same reused buffer, which is
    cheaper than allocating (and page-faulting) a new one per layer, and holds no memory
    between the forward and backward passes. This holds even for small layers: keeping
    LeNet conv1's fresh 2.5 MB matrix measured ~1,200 page faults per step and 1.5x the time.
    """

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, w: np.ndarray, geometry: Any = None) -> np.ndarray:
        ctx.geometry = geometry
        N, G = x.shape[0], geometry.groups
        Ho, Wo = geometry.out_size
        # BEGIN SOLUTION
        # a small patch matrix is kept for the weight gradient (no second copy); a large
        # one goes to the reused scratch buffer and is copied again in backward
        keep = x.itemsize * N * Ho * Wo * w[0].size <= KEEP_COLS_BYTES
        cols = im2col(x, geometry, reuse=not keep)  # (G, N*Ho*Wo, kh*kw*C/G)
        ctx.cols = cols if keep else None
        # $Y = X_{\text{col}} W$, one GEMM per group (a single batched matmul)
        y = cols @ weight_matrix(w, G)  # (G, N*Ho*Wo, O/G)
        return from_pixel_rows(y, N, Ho, Wo)  # (N, O, Ho, Wo), channels-last
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        from groundup.nn_core.conv.transposed_conv import TransposedConvolution2d

        x, w = ctx.inputs
        need_x, need_w = ctx.needs_input_grad
        geometry = ctx.geometry
        # BEGIN SOLUTION
        gx = TransposedConvolution2d.apply(grad, w, geometry=geometry) if need_x else None
        cols = getattr(ctx, "cols", None)
        gw = (
            ConvolutionWeightGrad2d.apply(x, grad, geometry=geometry, cols=cols) if need_w else None
        )
        return gx, gw
        # END SOLUTION


class ConvolutionWeightGrad2d(Function):
    r"""$\bar W[o,c,i,j] = \sum_{n,h,w} g[n,o,h,w]\,\tilde x[n,c,s_h h+d_h i,s_w w+d_w j]$.

    Bilinear in $(x, g)$: with $\bar{\bar W} = \partial L/\partial \bar W$, the input
    gradients are $\bar x = \bar{\bar W}^\top \star g$ and $\bar g = \bar{\bar W} \star x$.
    """

    @staticmethod
    def forward(
        ctx: Node, x: np.ndarray, g: np.ndarray, geometry: Any = None, cols: Any = None
    ) -> np.ndarray:
        ctx.geometry = geometry
        G, (kh, kw) = geometry.groups, geometry.kernel_size
        C, O = x.shape[1], g.shape[1]
        # BEGIN SOLUTION
        if cols is None:  # the forward's patch matrix, if it kept it
            cols = im2col(x, geometry, reuse=True)  # (G, N*Ho*Wo, kh*kw*C/G)
        rows = pixel_rows(g, G)  # (G, N*Ho*Wo, O/G)
        # $\bar W = g^\top X_{\text{col}}$ per group; a one-channel patch matrix is stored
        # transposed (see im2col), and BLAS is faster given it as the left operand
        if cols.strides[1] == cols.itemsize:
            gw = (cols.transpose(0, 2, 1) @ rows).transpose(0, 2, 1)  # (G, O/G, kh*kw*C/G)
        else:
            gw = rows.transpose(0, 2, 1) @ cols  # (G, O/G, kh*kw*C/G)
        gw = gw.reshape(G, O // G, kh, kw, C // G).transpose(0, 1, 4, 2, 3)  # (G, O/G, C/G, kh, kw)
        return gw.reshape(O, C // G, kh, kw)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        from groundup.nn_core.conv.transposed_conv import TransposedConvolution2d

        x, g = ctx.inputs
        need_x, need_g = ctx.needs_input_grad
        gx = TransposedConvolution2d.apply(g, grad, geometry=ctx.geometry) if need_x else None
        gg = Convolution2d.apply(x, grad, geometry=ctx.geometry) if need_g else None
        return gx, gg


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    r"""2-D convolution over a batch of images (``torch.nn.functional.conv2d``).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, H, W)`` or ``(C, H, W)``
    weight : Tensor of shape ``(O, C/groups, k_h, k_w)``
    bias : Tensor of shape ``(O,)``, optional
    stride, dilation : int or pair
    padding : int, pair, ``'valid'`` or ``'same'``
    groups : int
        ``groups == C == O`` is a depthwise convolution.

    Returns
    -------
    Tensor of shape ``(N, O, H_o, W_o)``, with
    $H_o = \lfloor (H + 2p_h - d_h(k_h - 1) - 1)/s_h \rfloor + 1$.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    geometry = conv2d_geometry(tuple(x.shape), tuple(w.shape), stride, padding, dilation, groups)
    y = Convolution2d.apply(x, w, geometry=geometry)  # (N, O, Ho, Wo)
    if bias is not None:
        O = w.shape[0]
        if tuple(bias.shape) != (O,):
            raise ValueError(f"conv2d: bias must have shape ({O},), got {tuple(bias.shape)}")
        y = y + bias.reshape(1, O, 1, 1)
    return y.squeeze(0) if unbatched else y


def _check_channels(fn: str, in_channels: int, out_channels: int, groups: int) -> None:
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{fn}: in_channels={in_channels} and out_channels={out_channels} must both be "
            f"divisible by groups={groups}"
        )


def reset_conv_parameters(
    module: Module, fan_in: int, generator: np.random.Generator | None
) -> None:
    r"""PyTorch's default: $W, b \sim U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})$.

    (``kaiming_uniform_(a=sqrt(5))`` for the weight.)
    """
    rng = make_rng(generator)
    init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=rng)
    if module.bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(module.bias, -bound, bound, generator=rng)


class Conv2d(Module):
    r"""2-D convolution layer (``torch.nn.Conv2d``); see :func:`conv2d`.

    Parameters
    ----------
    in_channels, out_channels : int
        $C$ and $O$.
    kernel_size, stride, dilation : int or pair
    padding : int, pair, ``'valid'`` or ``'same'``
    groups : int
    bias : bool
    padding_mode : ``'zeros'``
        The only mode implemented.
    dtype : numpy dtype
        Of the parameters (float32 by default).
    generator : np.random.Generator, optional
        For the initial values (PyTorch's default initialisation).

    Shapes: input ``(N, C, H, W)``, output ``(N, O, H_o, W_o)``; ``weight`` is
    ``(O, C/groups, k_h, k_w)``, ``bias`` is ``(O,)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair | str = 0,
        dilation: IntPair = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_channels("Conv2d", in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(
                f"Conv2d: only padding_mode='zeros' is implemented, got {padding_mode!r}"
            )
        if padding == "same" and pair(stride, "stride", "Conv2d") != (1, 1):
            raise ValueError(f"Conv2d: padding='same' needs stride 1, got stride {stride!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = pair(stride, "stride", "Conv2d")
        self.padding = (
            padding if isinstance(padding, str) else pair(padding, "padding", "Conv2d", 0)
        )
        self.dilation = pair(dilation, "dilation", "Conv2d")
        self.groups = groups
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's default initialisation (see :func:`reset_conv_parameters`)."""
        fan_in = self.in_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
        reset_conv_parameters(self, fan_in, generator)

    def forward(self, input: Tensor) -> Tensor:
        return conv2d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
