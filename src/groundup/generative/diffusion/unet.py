r"""The noise predictor $\varepsilon_\theta(x_t, t, y)$ for images: a small U-Net with time and label.

It is the U-Net of :mod:`groundup.architectures.unet` (encoder, decoder, skips
concatenated at each scale) with three changes DDPM made (Ho et al., 2020, appendix B):

* **residual blocks** with GroupNorm and SiLU instead of (conv, BN, ReLU) pairs. BatchNorm
  would mix the statistics of images at different noise levels in one batch; GroupNorm
  normalises each image on its own;
* the **time** $t$ enters every block: its sinusoidal embedding
  (:func:`~groundup.generative.diffusion.ddpm.timestep_embedding`) goes through a 2-layer
  MLP to a vector $e$, and each block adds a per-channel shift $W e$ after its first
  convolution,

  $$h = \mathrm{conv}_1(\mathrm{SiLU}(\mathrm{GN}(x))) + W\,\mathrm{SiLU}(e), \qquad
    \mathrm{out} = x' + \mathrm{conv}_2(\mathrm{SiLU}(\mathrm{GN}(h))),$$

  where $x'$ is $x$ (or a 1x1 convolution of it when the channels change);
* an optional **label** $y$ (classifier-free guidance) is added to $e$ through a table with
  one extra row, the "no label" $\varnothing$ (``y=None`` or ``y == num_classes``).

Downsampling is a 3x3 convolution with stride 2, upsampling is nearest-neighbour x2
followed by a 3x3 convolution. The last layer starts at zero, so an untrained network
predicts $\varepsilon_\theta = 0$ (loss 1), a common stabiliser.

>>> import numpy as np
>>> from groundup import Tensor
>>> net = DiffusionUNet(1, base_channels=8, channel_mults=(1, 2), num_classes=10,
...                     generator=np.random.default_rng(0))
>>> net(Tensor(np.zeros((2, 1, 8, 8), dtype=np.float32)), np.array([1, 500]), np.array([3, 7])).shape
(2, 1, 8, 8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, cat
from groundup.generative.diffusion.ddpm import timestep_embedding
from groundup.nn_core.activations.sigmoid import silu
from groundup.nn_core.containers import ModuleList
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.groupnorm import GroupNorm
from groundup.nn_core.pooling.upsample import Upsample
from groundup.utils.seeding import make_rng

__all__ = ["DiffusionUNet", "TimeEmbedding", "TimeResBlock"]


class TimeEmbedding(Module):
    r"""$e = W_2\,\mathrm{SiLU}(W_1\,\mathrm{emb}(t))$: times ``(B,)`` to vectors ``(B, dim)``.

    ``emb`` is the sinusoidal embedding of width ``sin_dim`` (:func:`timestep_embedding`).
    """

    def __init__(self, sin_dim: int, dim: int, dtype: Any = np.float32, generator: Any = None):
        super().__init__()
        self.sin_dim = sin_dim
        self.fc1 = Linear(sin_dim, dim, dtype=dtype, generator=generator)
        self.fc2 = Linear(dim, dim, dtype=dtype, generator=generator)

    def forward(self, t: Any) -> Tensor:
        emb = timestep_embedding(t, self.sin_dim).astype(self.fc1.weight.dtype)  # (B, sin_dim)
        return self.fc2(silu(self.fc1(Tensor(emb))))  # (B, dim)


class TimeResBlock(Module):
    r"""Residual block with GroupNorm, SiLU and a time shift: ``(B, c_in, H, W) -> (B, c_out, H, W)``.

    ``forward(x, e)`` takes the time (and label) vector ``e`` of shape ``(B, emb_dim)``.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        emb_dim: int,
        groups: int = 8,
        dtype: Any = np.float32,
        generator: Any = None,
    ) -> None:
        super().__init__()
        self.norm1 = GroupNorm(min(groups, c_in), c_in, dtype=dtype)
        self.conv1 = Conv2d(c_in, c_out, 3, padding=1, dtype=dtype, generator=generator)
        self.emb = Linear(emb_dim, c_out, dtype=dtype, generator=generator)
        self.norm2 = GroupNorm(min(groups, c_out), c_out, dtype=dtype)
        self.conv2 = Conv2d(c_out, c_out, 3, padding=1, dtype=dtype, generator=generator)
        self.skip = (
            Conv2d(c_in, c_out, 1, dtype=dtype, generator=generator) if c_in != c_out else None
        )

    def forward(self, x: Tensor, e: Tensor) -> Tensor:
        B = x.shape[0]
        # BEGIN SOLUTION
        h = self.conv1(silu(self.norm1(x)))  # (B, c_out, H, W)
        # the time shift, one number per channel: $h + W\,\mathrm{SiLU}(e)$
        h = h + self.emb(silu(e)).reshape(B, -1, 1, 1)
        h = self.conv2(silu(self.norm2(h)))  # (B, c_out, H, W)
        return (x if self.skip is None else self.skip(x)) + h
        # END SOLUTION


class DiffusionUNet(Module):
    r"""A small DDPM U-Net: $\varepsilon_\theta(x_t, t, y)$ for images ``(B, C, H, W)``.

    Parameters
    ----------
    in_channels : int
        Image channels (the output has as many).
    base_channels : int
        Channels at full resolution; level $\ell$ has ``base_channels * channel_mults[l]``.
    channel_mults : tuple of int
        One entry per resolution; the image is halved ``len(channel_mults) - 1`` times, so
        H and W must be divisible by $2^{L-1}$ (28x28 with ``(1, 2, 2)``: 28, 14, 7).
    groups : int
        GroupNorm groups (at most the channels of the layer).
    time_dim : int
        Width of the sinusoidal embedding; the embedding MLP has ``4 * base_channels`` units.
    num_classes : int, optional
        Adds a label table with ``num_classes + 1`` rows (the last is $\varnothing$).
    dtype, generator

    Shapes: ``x`` ``(B, C, H, W)``, ``t`` ``(B,)`` ints, ``y`` ``(B,)`` or None; output ``(B, C, H, W)``.
    """

    def __init__(
        self,
        in_channels: int = 1,
        base_channels: int = 32,
        channel_mults: tuple[int, ...] = (1, 2, 2),
        groups: int = 8,
        time_dim: int = 32,
        num_classes: int | None = None,
        dtype: Any = np.float32,
        generator: Any = None,
    ) -> None:
        super().__init__()
        if not channel_mults or min(channel_mults) < 1:
            raise ValueError(f"channel_mults must be positive integers, got {channel_mults!r}")
        rng = make_rng(generator)
        self.in_channels, self.num_classes = in_channels, num_classes
        self.levels = len(channel_mults)
        emb_dim = 4 * base_channels
        widths = [base_channels * m for m in channel_mults]
        self.time = TimeEmbedding(time_dim, emb_dim, dtype, rng)
        self.label = (
            Embedding(num_classes + 1, emb_dim, dtype=dtype, generator=rng) if num_classes else None
        )
        self.inc = Conv2d(in_channels, base_channels, 3, padding=1, dtype=dtype, generator=rng)
        self.down_blocks, self.downsamples = ModuleList(), ModuleList()
        c = base_channels
        for level, w in enumerate(widths):
            self.down_blocks.append(TimeResBlock(c, w, emb_dim, groups, dtype, rng))
            c = w
            if level < self.levels - 1:
                self.downsamples.append(
                    Conv2d(c, c, 3, stride=2, padding=1, dtype=dtype, generator=rng)
                )
        self.mid = TimeResBlock(c, c, emb_dim, groups, dtype, rng)
        self.up_blocks, self.upsamples = ModuleList(), ModuleList()
        for level in reversed(range(self.levels)):
            w = widths[level]
            # the block sees the decoder's map and the encoder's skip side by side
            self.up_blocks.append(TimeResBlock(c + w, w, emb_dim, groups, dtype, rng))
            c = w
            if level > 0:
                self.upsamples.append(Conv2d(c, c, 3, padding=1, dtype=dtype, generator=rng))
        self.up = Upsample(scale_factor=2, mode="nearest")
        self.out_norm = GroupNorm(min(groups, c), c, dtype=dtype)
        self.out = Conv2d(c, in_channels, 3, padding=1, dtype=dtype, generator=rng)
        self.out.weight.data[...] = 0.0  # start at eps_theta = 0
        self.out.bias.data[...] = 0.0

    def forward(self, x: Tensor, t: Any, y: Any = None) -> Tensor:
        factor = 2 ** (self.levels - 1)
        if (
            x.ndim != 4
            or x.shape[1] != self.in_channels
            or x.shape[2] % factor
            or x.shape[3] % factor
        ):
            raise ValueError(
                f"DiffusionUNet: x must be (B, {self.in_channels}, H, W) with H and W divisible by "
                f"{factor}, got {tuple(x.shape)}"
            )
        t = np.asarray(t)
        if t.shape != (x.shape[0],):
            raise ValueError(f"DiffusionUNet: t must have shape ({x.shape[0]},), got {t.shape}")
        # BEGIN SOLUTION
        e = self.time(t)  # (B, emb_dim)
        if self.label is not None:
            labels = np.full(x.shape[0], self.num_classes) if y is None else np.asarray(y)
            e = e + self.label(labels)  # the label joins the time vector
        h = self.inc(x)  # (B, base, H, W)
        skips = []
        for level, block in enumerate(self.down_blocks):
            h = block(h, e)  # (B, w_l, H/2^l, W/2^l)
            skips.append(h)
            if level < self.levels - 1:
                h = self.downsamples[level](h)  # halve the size
        h = self.mid(h, e)
        for i, block in enumerate(self.up_blocks):
            # $[\,h,\; \text{skip}_\ell\,]$ along the channels
            h = block(cat([h, skips.pop()], dim=1), e)
            if i < self.levels - 1:
                h = self.upsamples[i](self.up(h))  # double the size
        return self.out(silu(self.out_norm(h)))  # (B, C, H, W)
        # END SOLUTION
