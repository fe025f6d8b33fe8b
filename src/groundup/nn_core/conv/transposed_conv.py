r"""2-D transposed convolution: the adjoint of :func:`~groundup.nn_core.conv.conv2d.conv2d`.

A convolution is a linear map $x \mapsto A_W x$ from images of size $(H, W)$ to images of
size $(H_o, W_o)$. Its transpose $A_W^\top$ maps back up: every input pixel $y[n, c_{in}]$
*scatters* a copy of the kernel, scaled by its value, onto the output, at stride $s$:

$$z[n, c, s_h h + d_h i - p_h,\; s_w w + d_w j - p_w] \mathrel{+}=
\sum_{o \in \text{group}(c)} W[o, c, i, j]\; y[n, o, h, w].$$

Computed as one GEMM per group and kernel tap $(i, j)$, $Z_{ij} = Y W_{ij}$ with
$W_{ij} = W[:, :, i, j]$ of shape $(O, C)$, then col2im (the scatter-add, looping over the
$k_h k_w$ taps). With stride 1, when it moves less data, it is instead one convolution
of the padded $y$ with the flipped kernel (:func:`full_convolution_geometry`): im2col and
one GEMM. It is exactly the input gradient of ``conv2d``,
which is why learnable upsampling layers (U-Net's decoder, DCGAN's generator) are built
from it. The output size is

$$H_{out} = (H_{in} - 1)\, s_h - 2 p_h + d_h (k_h - 1) + \text{output\_padding}_h + 1.$$

Backward, with $\bar z = \partial L/\partial z$: $\bar y = W \star \bar z$ (a convolution)
and $\bar W = y \star \bar z$ (the convolution's weight gradient with the roles of input
and output swapped).

>>> import numpy as np
>>> from groundup import Tensor
>>> y = Tensor(np.ones((1, 2, 3, 3)))
>>> conv_transpose2d(y, Tensor(np.ones((2, 4, 2, 2))), stride=2).shape
(1, 4, 6, 6)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.conv.conv2d import (
    Convolution2d,
    ConvolutionWeightGrad2d,
    IntPair,
    _check_channels,
    pair,
    reset_conv_parameters,
)
from groundup.nn_core.conv.im2col import (
    ConvGeometry,
    col2im,
    from_pixel_rows,
    im2col,
    pixel_rows,
    weight_taps,
)
from groundup.nn_core.module import Module, Parameter


def full_convolution_geometry(geometry: ConvGeometry) -> ConvGeometry | None:
    r"""For stride 1, $A_W^\top y$ as a convolution of $y$: its geometry, else ``None``.

    With stride 1, $z[p] = \sum_i W[i]\, y[p + p_t - d i]$ reads $y$ at $p - d(k-1-i)$
    shifted by $d(k-1) - p_t$: a convolution of $y$ padded by $d(k-1) - p_t$ on top
    and $H - H_o + p_t$ at the bottom (the same on the left/right) with the kernel
    flipped, producing $(H, W)$. ``None`` when stride > 1 or a padding would be negative
    (then the scatter-add :func:`col2im` is used).
    """
    if geometry.stride != (1, 1):
        return None
    (kh, kw), (dh, dw) = geometry.kernel_size, geometry.dilation
    (H, W), (Ho, Wo) = geometry.image_size, geometry.out_size
    pt, _, pl, _ = geometry.padding
    pads = (dh * (kh - 1) - pt, H - Ho + pt, dw * (kw - 1) - pl, W - Wo + pl)
    if min(pads) < 0:
        return None
    return replace(geometry, padding=pads, image_size=(Ho, Wo), out_size=(H, W))


def flipped_weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    r"""``(O, C/G, k_h, k_w)`` -> ``(G, k_h k_w O/G, C/G)``, row $(i, j, o)$ holding
    $W[o, c, k_h-1-i, k_w-1-j]$.

    The weight of the full convolution of :func:`full_convolution_geometry` (channels
    swapped, kernel flipped), rows ordered like :func:`~groundup.nn_core.conv.im2col.im2col`.
    """
    O, C_g, kh, kw = w.shape
    G = groups
    flipped = w.reshape(G, O // G, C_g, kh, kw)[:, :, :, ::-1, ::-1]  # (G, O/G, C/G, kh, kw)
    return flipped.transpose(0, 3, 4, 1, 2).reshape(G, kh * kw * (O // G), C_g)


class TransposedConvolution2d(Function):
    r"""$z = A_W^\top y$: $Z_{ij} = Y W_{ij}$ per group and tap, then col2im.

    ``y`` has shape ``(N, O, H_o, W_o)`` and ``W`` shape ``(O, C/G, k_h, k_w)`` (the
    convolution's names); the result has shape ``(N, C, H, W)`` = ``geometry.image_size``.
    Backward: $\bar y = W \star \bar z$, $\bar W = y \star \bar z$.
    """

    @staticmethod
    def forward(ctx: Node, y: np.ndarray, w: np.ndarray, geometry: Any = None) -> np.ndarray:
        ctx.geometry = geometry
        G = geometry.groups
        # BEGIN SOLUTION
        full = full_convolution_geometry(geometry)
        (H, W), (Ho, Wo), O, C = geometry.image_size, geometry.out_size, y.shape[1], w.shape[1] * G
        # The full convolution's patch matrix has $H W \cdot k_h k_w O$ entries, the
        # per-tap products $H_o W_o \cdot k_h k_w C$: take the path that moves less.
        if full is not None and H * W * O <= Ho * Wo * C:
            # stride 1: $z = \text{flip}(W)^\top \star \tilde y$, a convolution (im2col + one GEMM)
            cols = im2col(y, full, reuse=True)  # (G, N*H*W, kh*kw*O/G)
            z = cols @ flipped_weight_matrix(w, G)  # (G, N*H*W, C/G)
            return from_pixel_rows(z, y.shape[0], *geometry.image_size)  # (N, C, H, W)
        # $Z_{ij} = Y W_{ij}$: one GEMM per group and tap (a single broadcast matmul)
        taps = pixel_rows(y, G)[:, None] @ weight_taps(w, G)  # (G, kh*kw, N*Ho*Wo, C/G)
        return col2im(taps, geometry, batch=y.shape[0])  # (N, C, H, W)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        y, w = ctx.inputs
        need_y, need_w = ctx.needs_input_grad
        # BEGIN SOLUTION
        gy = Convolution2d.apply(grad, w, geometry=ctx.geometry) if need_y else None
        gw = ConvolutionWeightGrad2d.apply(grad, y, geometry=ctx.geometry) if need_w else None
        return gy, gw
        # END SOLUTION


def conv_transpose2d_geometry(
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
    fn: str = "conv_transpose2d",
) -> ConvGeometry:
    """Check the arguments of a transposed convolution; the geometry of its adjoint conv."""
    if len(input_shape) != 4:
        raise ValueError(f"{fn}: expected a 4-D input (N, C, H, W), got shape {input_shape}")
    if len(weight_shape) != 4:
        raise ValueError(
            f"{fn}: expected a 4-D weight (in_channels, out_channels/groups, kH, kW), "
            f"got shape {weight_shape}"
        )
    _N, C_in, H_in, W_in = input_shape
    C_w, _C_out_g, kh, kw = weight_shape
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive integer, got {groups!r}")
    if C_in != C_w:
        raise ValueError(
            f"{fn}: expected input with {C_w} channels (weight shape {weight_shape}), "
            f"but got {C_in} channels (input shape {input_shape})"
        )
    if C_in % groups:
        raise ValueError(f"{fn}: in_channels {C_in} is not divisible by groups={groups}")
    sh, sw = pair(stride, "stride", fn)
    dh, dw = pair(dilation, "dilation", fn)
    ph, pw = pair(padding, "padding", fn, minimum=0)
    oph, opw = pair(output_padding, "output_padding", fn, minimum=0)
    if not (oph < max(sh, dh) and opw < max(sw, dw)):
        raise ValueError(
            f"{fn}: output_padding {(oph, opw)} must be smaller than either stride "
            f"{(sh, sw)} or dilation {(dh, dw)}"
        )
    # $H_{out} = (H_{in} - 1) s - 2p + d(k - 1) + \text{output\_padding} + 1$
    # BEGIN SOLUTION
    H = (H_in - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    W = (W_in - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    # END SOLUTION
    if H < 1 or W < 1:
        raise ValueError(
            f"{fn}: the output size ({H}, {W}) is not positive: input ({H_in}, {W_in}) is too "
            f"small for padding {(ph, pw)}"
        )
    return ConvGeometry(
        (kh, kw), (sh, sw), (ph, ph, pw, pw), (dh, dw), int(groups), (H, W), (H_in, W_in)
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    r"""Transposed 2-D convolution (``torch.nn.functional.conv_transpose2d``).

    Parameters
    ----------
    input : Tensor of shape ``(N, C_in, H_in, W_in)`` or ``(C_in, H_in, W_in)``
    weight : Tensor of shape ``(C_in, C_out/groups, k_h, k_w)``
    bias : Tensor of shape ``(C_out,)``, optional
    stride, padding, output_padding, dilation : int or pair
    groups : int

    Returns
    -------
    Tensor of shape ``(N, C_out, H_out, W_out)``,
    $H_{out} = (H_{in} - 1)s_h - 2p_h + d_h(k_h - 1) + \text{output\_padding}_h + 1$.
    """
    y = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    unbatched = y.ndim == 3
    if unbatched:
        y = y.unsqueeze(0)
    geometry = conv_transpose2d_geometry(
        tuple(y.shape), tuple(w.shape), stride, padding, output_padding, groups, dilation
    )
    z = TransposedConvolution2d.apply(y, w, geometry=geometry)  # (N, C_out, H_out, W_out)
    if bias is not None:
        C_out = w.shape[1] * groups
        if tuple(bias.shape) != (C_out,):
            raise ValueError(
                f"conv_transpose2d: bias must have shape ({C_out},), got {tuple(bias.shape)}"
            )
        z = z + bias.reshape(1, C_out, 1, 1)
    return z.squeeze(0) if unbatched else z


class ConvTranspose2d(Module):
    r"""Transposed 2-D convolution layer (``torch.nn.ConvTranspose2d``); see :func:`conv_transpose2d`.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding, output_padding, dilation : int or pair
    groups : int
    bias : bool
    dtype : numpy dtype
        Of the parameters (float32 by default).
    generator : np.random.Generator, optional
        For the initial values (PyTorch's default initialisation).

    Shapes: input ``(N, C_in, H_in, W_in)``, output ``(N, C_out, H_out, W_out)``;
    ``weight`` is ``(C_in, C_out/groups, k_h, k_w)``, ``bias`` is ``(C_out,)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair = 0,
        output_padding: IntPair = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntPair = 1,
        padding_mode: str = "zeros",
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        fn = "ConvTranspose2d"
        _check_channels(fn, in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(
                f"{fn}: only padding_mode='zeros' is implemented, got {padding_mode!r}"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", fn)
        self.stride = pair(stride, "stride", fn)
        self.padding = pair(padding, "padding", fn, minimum=0)
        self.output_padding = pair(output_padding, "output_padding", fn, minimum=0)
        self.dilation = pair(dilation, "dilation", fn)
        self.groups = groups
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's default initialisation; fan-in is ``weight.shape[1] * k_h * k_w``."""
        fan_in = self.out_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
        reset_conv_parameters(self, fan_in, generator)

    def forward(self, input: Tensor) -> Tensor:
        return conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}"
        )
