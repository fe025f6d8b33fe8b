r"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998): the first convolutional network.

Two convolution + subsampling stages, then three fully connected layers:

$$\underbrace{1\times32\times32}_{x} \xrightarrow{\text{conv } 5\times5}
6\times28\times28 \xrightarrow{\text{pool}} 6\times14\times14
\xrightarrow{\text{conv } 5\times5} 16\times10\times10 \xrightarrow{\text{pool}}
16\times5\times5 \xrightarrow{\text{fc}} 120 \xrightarrow{\text{fc}} 84
\xrightarrow{\text{fc}} 10.$$

Two variants (``variant=``):

* ``"classic"``: $\tanh$ activations and 2x2 *average* pooling, close to the paper
  (the paper's subsampling has a learnable scale and bias per map, its C3 layer a sparse
  connection table and its output Euclidean RBF units; here, as in most modern
  reproductions, pooling is plain averaging, C3 is fully connected and the output is
  linear logits for cross-entropy);
* ``"modern"`` (default): ReLU and 2x2 *max* pooling, which trains faster.

MNIST digits are $28 \times 28$: with ``input_size=28`` the first convolution pads by 2,
which gives the paper's $32\times32$ geometry (the paper padded the digits to $32\times32$).
61,706 parameters for 10 classes.

>>> import numpy as np
>>> from groundup import Tensor
>>> net = LeNet5(generator=np.random.default_rng(0))
>>> net(Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape
(2, 10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.relu import ReLU
from groundup.nn_core.activations.tanh import Tanh
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.pooling.avgpool import AvgPool2d
from groundup.nn_core.pooling.maxpool import MaxPool2d
from groundup.utils.seeding import make_rng

__all__ = ["LeNet5"]

_VARIANTS = ("classic", "modern")


class LeNet5(Module):
    """LeNet-5 for ``(N, in_channels, input_size, input_size)`` images.

    Parameters
    ----------
    num_classes : int
        Number of output logits.
    in_channels : int
        1 for grey-scale digits.
    input_size : int
        28 (the first convolution pads by 2) or 32 (no padding).
    variant : ``"modern"`` or ``"classic"``
        ReLU + max pooling, or tanh + average pooling.
    dtype : numpy dtype
        Of the parameters.
    generator : np.random.Generator, optional
        For the initial values (PyTorch's default initialisation of each layer).

    Attributes ``conv1, conv2, fc1, fc2, fc3`` hold the weights (state-dict keys
    ``conv1.weight`` ... ``fc3.bias``).
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        input_size: int = 28,
        variant: str = "modern",
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if variant not in _VARIANTS:
            raise ValueError(f"LeNet5: variant must be one of {_VARIANTS}, got {variant!r}")
        if input_size not in (28, 32):
            raise ValueError(f"LeNet5: input_size must be 28 or 32, got {input_size!r}")
        rng = make_rng(generator)
        self.variant = variant
        self.input_size = input_size
        # BEGIN SOLUTION
        pad = 2 if input_size == 28 else 0  # 28 + 2*2 = 32: the paper's geometry
        self.conv1 = Conv2d(in_channels, 6, 5, padding=pad, dtype=dtype, generator=rng)
        self.conv2 = Conv2d(6, 16, 5, dtype=dtype, generator=rng)
        self.fc1 = Linear(16 * 5 * 5, 120, dtype=dtype, generator=rng)
        self.fc2 = Linear(120, 84, dtype=dtype, generator=rng)
        self.fc3 = Linear(84, num_classes, dtype=dtype, generator=rng)
        self.act = Tanh() if variant == "classic" else ReLU()
        self.pool = AvgPool2d(2) if variant == "classic" else MaxPool2d(2)
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """Logits for a batch of images.

        Parameters
        ----------
        x : Tensor of shape ``(N, in_channels, input_size, input_size)``

        Returns
        -------
        Tensor of shape ``(N, num_classes)``
        """
        if x.ndim != 4 or tuple(x.shape[2:]) != (self.input_size, self.input_size):
            raise ValueError(
                f"LeNet5: expected input of shape (N, C, {self.input_size}, {self.input_size}), "
                f"got {tuple(x.shape)}"
            )
        # BEGIN SOLUTION
        x = self.pool(self.act(self.conv1(x)))  # (N, 6, 14, 14)
        x = self.pool(self.act(self.conv2(x)))  # (N, 16, 5, 5)
        x = x.flatten(1)  # (N, 400)
        x = self.act(self.fc1(x))  # (N, 120)
        x = self.act(self.fc2(x))  # (N, 84)
        return self.fc3(x)  # (N, num_classes)
        # END SOLUTION
