r"""U-Net (Ronneberger, Fischer and Brox, 2015): an encoder-decoder with skip connections.

The encoder halves the resolution ``depth`` times (2x2 max pool, then two 3x3
convolutions that double the channels); the decoder doubles it back (a 2x2 transposed
convolution with stride 2, or bilinear upsampling and a 1x1 convolution) and, at each
scale, *concatenates* the encoder's feature map of that scale before its two
convolutions:

$$d_\ell = \mathrm{DoubleConv}\big([\,\mathrm{up}(d_{\ell+1}),\; e_\ell\,]\big).$$

The skips carry the fine detail the bottleneck cannot, which is why U-Nets are the
standard network for per-pixel outputs: segmentation masks, denoising, and the noise
predictor of diffusion models. Convolutions are padded ("same" size), so the output has
the input's height and width; when a size is odd the upsampled map is zero-padded to
its skip's size before the concatenation.

>>> import numpy as np
>>> from groundup import Tensor
>>> net = UNet(1, 1, base_channels=4, depth=2, generator=np.random.default_rng(0))
>>> net(Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape
(2, 1, 28, 28)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, cat, pad
from groundup.nn_core.activations.relu import ReLU
from groundup.nn_core.containers import ModuleList, Sequential
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.conv.transposed_conv import ConvTranspose2d
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm2d
from groundup.nn_core.pooling.maxpool import MaxPool2d
from groundup.nn_core.pooling.upsample import Upsample
from groundup.utils.seeding import make_rng

__all__ = ["DoubleConv", "Down", "UNet", "Up"]


class DoubleConv(Module):
    """(3x3 conv -> [BN] -> ReLU) twice; keeps the size. ``(N, c_in, H, W) -> (N, c_out, H, W)``."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        batch_norm: bool = True,
        dtype: Any = np.float32,
        generator: Any = None,
    ) -> None:
        super().__init__()
        layers: list[Module] = []
        for c in (c_in, c_out):
            # a BN right after the convolution makes its bias redundant
            layers.append(
                Conv2d(
                    c, c_out, 3, padding=1, bias=not batch_norm, dtype=dtype, generator=generator
                )
            )
            if batch_norm:
                layers.append(BatchNorm2d(c_out, dtype=dtype))
            layers.append(ReLU())
        self.block = Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.block(x)


class Down(Module):
    """2x2 max pool, then :class:`DoubleConv`: ``(N, c_in, H, W) -> (N, c_out, H/2, W/2)``."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        batch_norm: bool = True,
        dtype: Any = np.float32,
        generator: Any = None,
    ) -> None:
        super().__init__()
        self.pool = MaxPool2d(2)
        self.conv = DoubleConv(c_in, c_out, batch_norm, dtype, generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.pool(x))


class Up(Module):
    """Upsample ``x`` to twice the size and ``c_in/2`` channels, concatenate the skip, DoubleConv.

    ``x``: ``(N, c_in, h, w)``; ``skip``: ``(N, c_in/2, H, W)`` with $H \\in \\{2h, 2h+1\\}$;
    output ``(N, c_out, H, W)``.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        bilinear: bool = False,
        batch_norm: bool = True,
        dtype: Any = np.float32,
        generator: Any = None,
    ) -> None:
        super().__init__()
        if bilinear:
            self.up: Module = Sequential(
                Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                Conv2d(c_in, c_in // 2, 1, dtype=dtype, generator=generator),
            )
        else:
            self.up = ConvTranspose2d(
                c_in, c_in // 2, 2, stride=2, dtype=dtype, generator=generator
            )
        self.conv = DoubleConv(c_in, c_out, batch_norm, dtype, generator)

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        # BEGIN SOLUTION
        x = self.up(x)  # (N, c_in/2, 2h, 2w)
        dh, dw = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
        if dh or dw:  # odd sizes: pad to the skip's size
            x = pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
        # $[\,\mathrm{up}(x),\; \text{skip}\,]$ along the channels
        return self.conv(cat([skip, x], dim=1))  # (N, c_out, H, W)
        # END SOLUTION


class UNet(Module):
    """U-Net with ``depth`` down/up steps.

    Parameters
    ----------
    in_channels, out_channels : int
    base_channels : int
        Channels at full resolution (64 in the paper); level $\\ell$ has $2^\\ell$ times as many.
    depth : int
        Number of 2x down-samplings (4 in the paper). The input side must be at least $2^{depth}$.
    bilinear : bool
        Bilinear upsampling + 1x1 convolution instead of a transposed convolution.
    batch_norm : bool
        BatchNorm2d after every 3x3 convolution (the paper had none).
    dtype : numpy dtype
    generator : np.random.Generator, optional

    Shapes: input ``(N, in_channels, H, W)``, output ``(N, out_channels, H, W)``.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        base_channels: int = 64,
        depth: int = 4,
        bilinear: bool = False,
        batch_norm: bool = True,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"UNet: depth must be >= 1, got {depth}")
        rng = make_rng(generator)
        self.depth = depth
        widths = [base_channels * 2**level for level in range(depth + 1)]
        self.inc = DoubleConv(in_channels, widths[0], batch_norm, dtype, rng)
        self.downs = ModuleList(
            Down(widths[i], widths[i + 1], batch_norm, dtype, rng) for i in range(depth)
        )
        self.ups = ModuleList(
            Up(widths[i + 1], widths[i], bilinear, batch_norm, dtype, rng)
            for i in reversed(range(depth))
        )
        self.outc = Conv2d(widths[0], out_channels, 1, dtype=dtype, generator=rng)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or min(x.shape[2:]) < 2**self.depth:
            raise ValueError(
                f"UNet: expected input (N, C, H, W) with H, W >= 2**depth = {2**self.depth}, "
                f"got shape {tuple(x.shape)}"
            )
        # BEGIN SOLUTION
        skips = [self.inc(x)]  # e_0: (N, base, H, W)
        for down in self.downs:
            skips.append(down(skips[-1]))  # e_l: (N, base 2^l, H/2^l, W/2^l)
        d = skips.pop()  # the bottleneck
        for up in self.ups:
            d = up(d, skips.pop())  # d_l: (N, base 2^l, H/2^l, W/2^l)
        return self.outc(d)  # (N, out_channels, H, W)
        # END SOLUTION
