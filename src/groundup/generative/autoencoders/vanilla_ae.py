r"""The autoencoder: compress an image to a few numbers and rebuild it from them.

An encoder $f$ maps an image $x \in [0,1]^{784}$ to a code $z = f(x) \in \mathbb R^d$ with
$d \ll 784$; a decoder $g$ maps the code back to per-pixel logits $\ell = g(z)$. Training
minimises the binary cross-entropy between the image and $\sigma(\ell)$, summed over
pixels (nats per image):

$$\mathcal L(x) = -\sum_{j=1}^{784} \bigl[x_j \log\sigma(\ell_j) + (1-x_j)\log(1-\sigma(\ell_j))\bigr].$$

Nothing makes the codes of unseen points decode to digits: the autoencoder compresses but
is not a generative model. The VAE (:mod:`.vae`) adds the piece that makes it one.

>>> import numpy as np
>>> from groundup import Tensor
>>> ae = Autoencoder(hidden=(16,), latent_dim=2, generator=np.random.default_rng(0))
>>> x = Tensor(np.random.default_rng(1).random((3, 784), dtype=np.float32))
>>> ae.encode(x).shape, ae(x).shape, ae.loss(x).shape
((3, 2), (3, 784), ())
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.relu import ReLU
from groundup.nn_core.containers import Sequential
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.optimization.losses.binary_cross_entropy import binary_cross_entropy_with_logits
from groundup.utils.seeding import make_rng

__all__ = ["Autoencoder", "as_input", "bernoulli_nll", "mlp"]


def as_input(x: Any) -> Tensor:
    """``x`` as a Tensor: kept if it is one; float arrays keep their dtype, others become float32."""
    if isinstance(x, Tensor):
        return x
    x = np.asarray(x)
    return Tensor(x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float32))


def mlp(sizes: Sequence[int], generator: np.random.Generator | None = None) -> Sequential:
    """Linear layers of widths ``sizes[0] -> ... -> sizes[-1]`` with ReLU between them (none after the last)."""
    rng = make_rng(generator)
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(n_in, n_out, generator=rng))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def bernoulli_nll(logits: Tensor, x: Any) -> Tensor:
    r"""$-\log p(x \mid \ell) = -\sum_j [x_j\log\sigma(\ell_j) + (1-x_j)\log(1-\sigma(\ell_j))]$ per image.

    Parameters
    ----------
    logits : Tensor of shape (B, D)
    x : Tensor or array of shape (B, D), values in [0, 1]

    Returns
    -------
    Tensor of shape (B,), nats
    """
    return binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


class Autoencoder(Module):
    """An MLP autoencoder ``in_features -> hidden... -> latent_dim -> ...hidden -> in_features``.

    Parameters
    ----------
    in_features : int
        784 for flattened MNIST digits.
    hidden : sequence of int
        Hidden widths of the encoder (the decoder mirrors them).
    latent_dim : int
        Size $d$ of the code.
    generator : np.random.Generator, optional
        For the initial weights.
    """

    def __init__(
        self,
        in_features: int = 784,
        hidden: Sequence[int] = (256,),
        latent_dim: int = 32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        # BEGIN SOLUTION
        self.encoder = mlp([in_features, *hidden, latent_dim], rng)
        self.decoder = mlp([latent_dim, *reversed(hidden), in_features], rng)
        # END SOLUTION

    def encode(self, x: Tensor) -> Tensor:
        """The code $z = f(x)$, ``(B, latent_dim)``."""
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        """Pixel logits $\\ell = g(z)$, ``(B, in_features)``; $\\sigma(\\ell)$ is the image."""
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction logits of ``x`` ``(B, in_features)``."""
        return self.decode(self.encode(x))

    def loss(self, x: Any) -> Tensor:
        """Mean over the batch of the summed binary cross-entropy (nats per image)."""
        x = as_input(x)
        # BEGIN SOLUTION
        return bernoulli_nll(self(x), x).mean()
        # END SOLUTION
