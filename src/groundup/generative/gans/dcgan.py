r"""DCGAN (Radford et al., 2016): the GAN with a convolutional generator and discriminator.

The architecture guidelines of the paper, which made GANs on images train reliably:

* no pooling: the discriminator **downsamples with stride-2 convolutions**, the generator
  **upsamples with stride-2 transposed convolutions** (kernel 4, padding 1: exactly
  $H \to 2H$, since $H_o = (H - 1)s - 2p + k = 2H$);
* **BatchNorm** in the generator (every layer but the output) and in the discriminator
  (every layer but the input);
* ReLU in the generator, a tanh output; LeakyReLU(0.2) in the discriminator;
* weights drawn from $\mathcal N(0, 0.02^2)$ (BatchNorm's scale from $\mathcal N(1, 0.02^2)$),
  Adam with lr $2\cdot 10^{-4}$ and $\beta_1 = 0.5$.

The loss and the alternating step are the GAN's (:func:`~groundup.generative.gans.vanilla_gan.train_step`,
non-saturating). For 28×28 MNIST the generator projects $z$ to a 7×7 map and upsamples
twice (7 → 14 → 28); for 32×32 CIFAR-10 it starts at 4×4 and upsamples three times.

>>> from itertools import pairwise

import numpy as np
>>> G = DCGANGenerator(latent_dim=16, base_channels=8, generator=np.random.default_rng(0))
>>> [tuple(m.weight.shape) for m in G.modules() if type(m).__name__ == "ConvTranspose2d"]
[(16, 16, 7, 7), (16, 8, 4, 4), (8, 1, 4, 4)]
>>> from groundup import Tensor
>>> G(Tensor(np.zeros((2, 16), np.float32))).shape
(2, 1, 28, 28)
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.activations.relu import LeakyReLU, ReLU
from groundup.nn_core.activations.tanh import Tanh
from groundup.nn_core.containers import Sequential
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.conv.transposed_conv import ConvTranspose2d
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm2d
from groundup.utils.seeding import make_rng

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "dcgan_init_", "num_doublings"]


def num_doublings(image_size: int) -> int:
    """How many stride-2 layers lie between ``image_size`` and the smallest map (28: 2, 32: 3, 64: 4).

    The size is halved while it is even and larger than 4.

    >>> num_doublings(28), num_doublings(32), num_doublings(64)
    (2, 3, 4)
    """
    n, size = 0, int(image_size)
    while size % 2 == 0 and size > 4:
        size, n = size // 2, n + 1
    if n == 0:
        raise ValueError(
            f"image_size must be even and larger than 4 (it is halved at least once), got {image_size}"
        )
    return n


def dcgan_init_(module: Module, generator: np.random.Generator | None = None) -> Module:
    r"""DCGAN's initialisation, in place: conv weights $\sim \mathcal N(0, 0.02^2)$,
    BatchNorm scale $\sim \mathcal N(1, 0.02^2)$, every bias 0. Returns ``module``."""
    rng = make_rng(generator)
    for m in module.modules():
        if isinstance(m, Conv2d | ConvTranspose2d):
            init.normal_(m.weight, 0.0, 0.02, generator=rng)
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, BatchNorm2d):
            init.normal_(m.weight, 1.0, 0.02, generator=rng)
            init.zeros_(m.bias)
    return module


class DCGANGenerator(Module):
    r"""$z \mapsto$ image: a transposed convolution from $1\times1$ to $s\times s$, then
    stride-2 transposed convolutions, each halving the channels; BatchNorm + ReLU between,
    tanh at the end.

    Parameters
    ----------
    latent_dim : int
        Size of $z$ (``nz``).
    base_channels : int
        Channels before the output layer (``ngf``); the $k$-th layer from the end has
        ``base_channels * 2**k``.
    out_channels : int
        1 for MNIST, 3 for CIFAR-10.
    image_size : int
        28 or 32 (any size :func:`num_doublings` accepts).

    Shapes: ``(B, latent_dim) -> (B, out_channels, image_size, image_size)``, in $(-1, 1)$.
    """

    def __init__(
        self,
        latent_dim: int = 64,
        base_channels: int = 32,
        out_channels: int = 1,
        image_size: int = 28,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        n = num_doublings(image_size)
        start = image_size >> n  # 7 for 28, 4 for 32
        self.latent_dim, self.image_size = latent_dim, image_size
        channels = [base_channels * 2 ** (n - 1 - i) for i in range(n)]  # e.g. [64, 32]
        # BEGIN SOLUTION
        # project: (B, nz, 1, 1) -> (B, channels[0], start, start)
        layers: list[Module] = [
            ConvTranspose2d(latent_dim, channels[0], start, 1, 0, bias=False, generator=rng),
            BatchNorm2d(channels[0]),
            ReLU(),
        ]
        for c_in, c_out in pairwise(channels):
            # $H \to 2H$: $(H-1) \cdot 2 - 2 \cdot 1 + 4 = 2H$
            layers += [
                ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False, generator=rng),
                BatchNorm2d(c_out),
                ReLU(),
            ]
        layers += [ConvTranspose2d(channels[-1], out_channels, 4, 2, 1, generator=rng), Tanh()]
        # END SOLUTION
        self.net = Sequential(*layers)
        dcgan_init_(self, rng)

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"DCGANGenerator: z must have shape (B, {self.latent_dim}), got {z.shape}"
            )
        return self.net(z.reshape(z.shape[0], self.latent_dim, 1, 1))  # (B, C, H, W)


class DCGANDiscriminator(Module):
    r"""image $\mapsto$ a logit: stride-2 convolutions doubling the channels, LeakyReLU(0.2),
    BatchNorm on every layer but the first, and a last convolution over the whole
    remaining $s\times s$ map to one number.

    Parameters
    ----------
    in_channels : int
    base_channels : int
        Channels of the first layer (``ndf``); they double at every stride-2 layer.
    image_size : int
    batch_norm : bool
        ``False`` for a WGAN-GP critic: the gradient penalty is per sample, and BatchNorm
        makes each output depend on the whole batch.

    Shapes: ``(B, in_channels, image_size, image_size) -> (B,)``.
    """

    def __init__(
        self,
        in_channels: int = 1,
        base_channels: int = 32,
        image_size: int = 28,
        batch_norm: bool = True,
        negative_slope: float = 0.2,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        n = num_doublings(image_size)
        end = image_size >> n
        self.in_channels, self.image_size = in_channels, image_size
        channels = [in_channels] + [base_channels * 2**i for i in range(n)]
        # BEGIN SOLUTION
        layers: list[Module] = []
        for i, (c_in, c_out) in enumerate(pairwise(channels)):
            # $H \to H/2$: $\lfloor (H + 2 - 4)/2 \rfloor + 1 = H/2$
            norm = batch_norm and i > 0
            layers.append(Conv2d(c_in, c_out, 4, 2, 1, bias=not norm, generator=rng))
            if norm:
                layers.append(BatchNorm2d(c_out))
            layers.append(LeakyReLU(negative_slope))
        layers.append(Conv2d(channels[-1], 1, end, 1, 0, generator=rng))  # (B, 1, 1, 1)
        # END SOLUTION
        self.net = Sequential(*layers)
        dcgan_init_(self, rng)

    def forward(self, x: Tensor) -> Tensor:
        want = (self.in_channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise ValueError(
                f"DCGANDiscriminator: expected images of shape (B, {', '.join(map(str, want))}), got {x.shape}"
            )
        return self.net(x).reshape(-1)  # (B,)
