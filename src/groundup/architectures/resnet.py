r"""Residual networks (He, Zhang, Ren and Sun, 2015), with torchvision's layout and names.

A residual block learns a *correction* to its input instead of a whole new map:

$$y = \mathrm{ReLU}\big(F(x) + \mathrm{shortcut}(x)\big),$$

where the shortcut is the identity, or a 1x1 convolution + batch norm when the block
changes the resolution or the width. Because $\partial y/\partial x$ contains the
identity, gradients reach early layers undiminished, and networks of 100+ layers train.

* :class:`BasicBlock` (ResNet-18/34): $F$ = conv3x3-BN-ReLU-conv3x3-BN.
* :class:`Bottleneck` (ResNet-50+): $F$ = conv1x1 (reduce) - conv3x3 - conv1x1 (expand
  4x), each followed by BN, cheaper at large widths. The stride sits on the 3x3
  convolution (torchvision's "ResNet v1.5").

The ImageNet stem is a 7x7/2 convolution and a 3x3/2 max pool (224 -> 56); the CIFAR
stem (``stem="cifar"``) is a 3x3/1 convolution and no pooling (32 stays 32). Parameter
and buffer names are torchvision's (``conv1.weight``, ``bn1.running_mean``,
``layer1.0.conv1.weight``, ``layer2.0.downsample.0.weight``, ``fc.weight``), so a
torchvision state dict loads after converting its arrays. ResNet-18 for 1000 classes has
11,689,512 parameters.

>>> import numpy as np
>>> from groundup import Tensor
>>> net = resnet18(num_classes=10, stem="cifar", width=8, generator=np.random.default_rng(0))
>>> net(Tensor(np.zeros((2, 3, 32, 32), dtype=np.float32))).shape
(2, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.activations.relu import ReLU
from groundup.nn_core.containers import Sequential
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.layers.linear import Identity, Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm2d
from groundup.nn_core.pooling.avgpool import AdaptiveAvgPool2d
from groundup.nn_core.pooling.maxpool import MaxPool2d
from groundup.utils.seeding import make_rng

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50"]


def conv3x3(
    c_in: int, c_out: int, stride: int = 1, dtype: Any = np.float32, generator: Any = None
) -> Conv2d:
    """3x3 convolution, padding 1, no bias (the batch norm after it has one)."""
    return Conv2d(
        c_in, c_out, 3, stride=stride, padding=1, bias=False, dtype=dtype, generator=generator
    )


def conv1x1(
    c_in: int, c_out: int, stride: int = 1, dtype: Any = np.float32, generator: Any = None
) -> Conv2d:
    """1x1 convolution, no bias: mixes channels (and subsamples with ``stride``)."""
    return Conv2d(c_in, c_out, 1, stride=stride, bias=False, dtype=dtype, generator=generator)


class BasicBlock(Module):
    r"""$y = \mathrm{ReLU}(\mathrm{BN}(W_2 \star \mathrm{ReLU}(\mathrm{BN}(W_1 \star x))) + s(x))$.

    Shapes: input ``(N, in_planes, H, W)``, output ``(N, planes, H/stride, W/stride)``.
    """

    expansion = 1

    def __init__(
        self,
        in_planes: int,
        planes: int,
        stride: int = 1,
        downsample: Module | None = None,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_planes, planes, stride, dtype, generator)
        self.bn1 = BatchNorm2d(planes, dtype=dtype)
        self.relu = ReLU()
        self.conv2 = conv3x3(planes, planes, 1, dtype, generator)
        self.bn2 = BatchNorm2d(planes, dtype=dtype)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        identity = x if self.downsample is None else self.downsample(x)  # s(x)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, planes, H/stride, W/stride)
        out = self.bn2(self.conv2(out))  # F(x)
        # $y = \mathrm{ReLU}(F(x) + s(x))$
        return self.relu(out + identity)
        # END SOLUTION


class Bottleneck(Module):
    r"""$F$ = 1x1 reduce, 3x3 (with the stride), 1x1 expand to ``planes * 4``; each then BN.

    Shapes: input ``(N, in_planes, H, W)``, output ``(N, 4 planes, H/stride, W/stride)``.
    """

    expansion = 4

    def __init__(
        self,
        in_planes: int,
        planes: int,
        stride: int = 1,
        downsample: Module | None = None,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.conv1 = conv1x1(in_planes, planes, 1, dtype, generator)
        self.bn1 = BatchNorm2d(planes, dtype=dtype)
        self.conv2 = conv3x3(planes, planes, stride, dtype, generator)
        self.bn2 = BatchNorm2d(planes, dtype=dtype)
        self.conv3 = conv1x1(planes, planes * self.expansion, 1, dtype, generator)
        self.bn3 = BatchNorm2d(planes * self.expansion, dtype=dtype)
        self.relu = ReLU()
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        identity = x if self.downsample is None else self.downsample(x)  # s(x)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, planes, H, W)
        out = self.relu(self.bn2(self.conv2(out)))  # (N, planes, H/stride, W/stride)
        out = self.bn3(self.conv3(out))  # F(x): (N, 4 planes, H/stride, W/stride)
        # $y = \mathrm{ReLU}(F(x) + s(x))$
        return self.relu(out + identity)
        # END SOLUTION


class ResNet(Module):
    """A stem, four stages of residual blocks, global average pooling and a linear layer.

    Parameters
    ----------
    block : ``BasicBlock`` or ``Bottleneck``
    layers : sequence of 4 ints
        Blocks per stage ([2, 2, 2, 2] is ResNet-18).
    num_classes : int
    in_channels : int
    stem : ``"imagenet"`` or ``"cifar"``
        7x7/2 convolution + 3x3/2 max pool, or a 3x3/1 convolution and no pool.
    width : int
        Channels of the first stage (64 in the paper); stages have width, 2x, 4x, 8x.
    zero_init_residual : bool
        Start each block's last BN scale at 0, so every block begins as the identity.
    dtype : numpy dtype
    generator : np.random.Generator, optional
        For the initial values: convolutions ``kaiming_normal_(mode="fan_out")``, BN
        scale 1 and shift 0, the linear layer PyTorch's default (as torchvision).

    Shapes: input ``(N, in_channels, H, W)``, output ``(N, num_classes)``.
    """

    def __init__(
        self,
        block: type[BasicBlock] | type[Bottleneck],
        layers: Sequence[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        stem: str = "imagenet",
        width: int = 64,
        zero_init_residual: bool = False,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if stem not in ("imagenet", "cifar"):
            raise ValueError(f"ResNet: stem must be 'imagenet' or 'cifar', got {stem!r}")
        if len(layers) != 4:
            raise ValueError(f"ResNet: layers must list 4 stage depths, got {list(layers)}")
        rng = make_rng(generator)
        self._dtype, self._rng, self._in_planes = dtype, rng, width
        if stem == "imagenet":
            self.conv1 = Conv2d(
                in_channels, width, 7, stride=2, padding=3, bias=False, dtype=dtype, generator=rng
            )
            self.maxpool: Module = MaxPool2d(3, stride=2, padding=1)
        else:
            self.conv1 = Conv2d(
                in_channels, width, 3, stride=1, padding=1, bias=False, dtype=dtype, generator=rng
            )
            self.maxpool = Identity()
        self.bn1 = BatchNorm2d(width, dtype=dtype)
        self.relu = ReLU()
        self.layer1 = self._make_layer(block, width, layers[0], 1)
        self.layer2 = self._make_layer(block, 2 * width, layers[1], 2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], 2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], 2)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(8 * width * block.expansion, num_classes, dtype=dtype, generator=rng)
        del self._dtype, self._rng, self._in_planes
        self.reset_parameters(rng, zero_init_residual)

    def _make_layer(
        self, block: type[BasicBlock] | type[Bottleneck], planes: int, blocks: int, stride: int
    ) -> Sequential:
        """One stage: the first block changes resolution/width (with a 1x1 shortcut)."""
        # BEGIN SOLUTION
        dtype, rng, out_planes = self._dtype, self._rng, planes * block.expansion
        downsample = None
        if stride != 1 or self._in_planes != out_planes:
            downsample = Sequential(
                conv1x1(self._in_planes, out_planes, stride, dtype, rng),
                BatchNorm2d(out_planes, dtype=dtype),
            )
        stage = [block(self._in_planes, planes, stride, downsample, dtype, rng)]
        self._in_planes = out_planes
        stage += [block(out_planes, planes, 1, None, dtype, rng) for _ in range(1, blocks)]
        return Sequential(*stage)
        # END SOLUTION

    def reset_parameters(
        self, generator: np.random.Generator | None = None, zero_init_residual: bool = False
    ) -> None:
        """torchvision's initialisation (see the class docstring)."""
        rng = make_rng(generator)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=rng)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                m.reset_parameters(rng)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    init.zeros_(m.bn2.weight)

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, w, H/4, W/4) or (N, w, H, W)
        x = self.layer1(x)  # (N, w e, ., .)
        x = self.layer2(x)  # (N, 2w e, ./2, ./2)
        x = self.layer3(x)  # (N, 4w e, ./4, ./4)
        x = self.layer4(x)  # (N, 8w e, ./8, ./8)
        x = self.avgpool(x).flatten(1)  # (N, 8w e)
        return self.fc(x)  # (N, num_classes)
        # END SOLUTION


def resnet18(**kwargs: Any) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2] (11,689,512 parameters for 1000 classes)."""
    return ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)


def resnet34(**kwargs: Any) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3] (21,797,672 parameters for 1000 classes)."""
    return ResNet(BasicBlock, [3, 4, 6, 3], **kwargs)


def resnet50(**kwargs: Any) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3] (25,557,032 parameters for 1000 classes)."""
    return ResNet(Bottleneck, [3, 4, 6, 3], **kwargs)
