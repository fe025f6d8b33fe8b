r"""VGG (Simonyan and Zisserman, 2014): depth from stacks of 3x3 convolutions.

Two stacked 3x3 convolutions see a 5x5 window, three see 7x7, with fewer parameters
($2 \cdot 9C^2$ or $3 \cdot 9 C^2$ against $25C^2$ or $49C^2$) and more nonlinearities.
VGG is five stages of such stacks, each closed by a 2x2 max pool that halves the
resolution (224 -> 7), then three fully connected layers:

* VGG-11 ("A"): 1, 1, 2, 2, 2 convolutions per stage; VGG-13 ("B"): 2, 2, 2, 2, 2;
  VGG-16 ("D"): 2, 2, 3, 3, 3; VGG-19 ("E"): 2, 2, 4, 4, 4; widths 64, 128, 256, 512, 512.
* ``batch_norm=True`` inserts a BatchNorm2d after every convolution (torchvision's
  ``vgg16_bn``); the original had none.

Module names and order are torchvision's (``features.0.weight``, ``classifier.6.bias``),
so its state dicts load. For 1000 classes at 224x224: VGG-11 has 132,863,336 parameters
and VGG-16 138,357,544, of which 102,764,544 sit in the first fully connected layer.
For small images, ``pool_size=1`` and ``hidden=512`` give the usual CIFAR variant.

>>> import numpy as np
>>> from groundup import Tensor
>>> net = vgg11(num_classes=10, width=8, hidden=32, pool_size=1, generator=np.random.default_rng(0))
>>> net(Tensor(np.zeros((2, 3, 32, 32), dtype=np.float32))).shape
(2, 10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.activations.relu import ReLU
from groundup.nn_core.containers import Sequential
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm2d
from groundup.nn_core.pooling.avgpool import AdaptiveAvgPool2d
from groundup.nn_core.pooling.maxpool import MaxPool2d
from groundup.nn_core.regularization.dropout import Dropout
from groundup.utils.seeding import make_rng

__all__ = ["CONFIGS", "VGG", "vgg11", "vgg13", "vgg16", "vgg19"]

# Output channels of each 3x3 convolution (in units of the base width 64); "M" = max pool.
CONFIGS: dict[str, list[int | str]] = {
    "A": [1, "M", 2, "M", 4, 4, "M", 8, 8, "M", 8, 8, "M"],
    "B": [1, 1, "M", 2, 2, "M", 4, 4, "M", 8, 8, "M", 8, 8, "M"],
    "D": [1, 1, "M", 2, 2, "M", 4, 4, 4, "M", 8, 8, 8, "M", 8, 8, 8, "M"],
    "E": [1, 1, "M", 2, 2, "M", 4, 4, 4, 4, "M", 8, 8, 8, 8, "M", 8, 8, 8, 8, "M"],
}


class VGG(Module):
    """``features`` (conv stacks and pools), ``avgpool`` (adaptive), ``classifier`` (3 FC).

    Parameters
    ----------
    config : ``"A"``, ``"B"``, ``"D"`` or ``"E"``
        VGG-11, 13, 16 or 19 (see :data:`CONFIGS`).
    num_classes : int
    batch_norm : bool
        BatchNorm2d after every convolution.
    in_channels : int
    width : int
        Channels of the first stage (64 in the paper); later stages 2x, 4x, 8x, 8x.
    hidden : int
        Units of the two hidden fully connected layers (4096 in the paper).
    pool_size : int
        The adaptive average pool's output side (7 as torchvision; 1 for small images).
    dropout : float
        Dropout probability before each hidden FC layer's successor.
    dtype : numpy dtype
    generator : np.random.Generator, optional
        For the initial values (torchvision's: convolutions ``kaiming_normal_(fan_out)``
        with zero bias, linear layers $\\mathcal N(0, 0.01^2)$ with zero bias).

    Shapes: input ``(N, in_channels, H, W)`` with $H, W \\ge 32$; output ``(N, num_classes)``.
    """

    def __init__(
        self,
        config: str = "D",
        num_classes: int = 1000,
        batch_norm: bool = False,
        in_channels: int = 3,
        width: int = 64,
        hidden: int = 4096,
        pool_size: int = 7,
        dropout: float = 0.5,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if config not in CONFIGS:
            raise ValueError(f"VGG: config must be one of {sorted(CONFIGS)}, got {config!r}")
        rng = make_rng(generator)
        # BEGIN SOLUTION
        layers: list[Module] = []
        c = in_channels
        for item in CONFIGS[config]:
            if item == "M":
                layers.append(MaxPool2d(2, 2))
                continue
            c_out = int(item) * width
            layers.append(Conv2d(c, c_out, 3, padding=1, dtype=dtype, generator=rng))
            if batch_norm:
                layers.append(BatchNorm2d(c_out, dtype=dtype))
            layers.append(ReLU())
            c = c_out
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = Sequential(
            Linear(c * pool_size * pool_size, hidden, dtype=dtype, generator=rng),
            ReLU(),
            Dropout(dropout),
            Linear(hidden, hidden, dtype=dtype, generator=rng),
            ReLU(),
            Dropout(dropout),
            Linear(hidden, num_classes, dtype=dtype, generator=rng),
        )
        # END SOLUTION
        self.reset_parameters(rng)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """torchvision's initialisation (see the class docstring)."""
        rng = make_rng(generator)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=rng)
                init.zeros_(m.bias)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, 0.0, 0.01, generator=rng)
                init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        x = self.features(x)  # (N, 8 width, H/32, W/32)
        x = self.avgpool(x).flatten(1)  # (N, 8 width * pool_size^2)
        return self.classifier(x)  # (N, num_classes)
        # END SOLUTION


def vgg11(**kwargs: Any) -> VGG:
    """VGG-11 (config "A"): 132,863,336 parameters for 1000 classes."""
    return VGG("A", **kwargs)


def vgg13(**kwargs: Any) -> VGG:
    """VGG-13 (config "B"): 133,047,848 parameters for 1000 classes."""
    return VGG("B", **kwargs)


def vgg16(**kwargs: Any) -> VGG:
    """VGG-16 (config "D"): 138,357,544 parameters for 1000 classes."""
    return VGG("D", **kwargs)


def vgg19(**kwargs: Any) -> VGG:
    """VGG-19 (config "E"): 143,667,240 parameters for 1000 classes."""
    return VGG("E", **kwargs)
