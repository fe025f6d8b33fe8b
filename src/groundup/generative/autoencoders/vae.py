r"""The variational autoencoder (Kingma and Welling, 2014).

A latent-variable model $p_\theta(x) = \int p_\theta(x\mid z)\,p(z)\,dz$ with prior
$p(z) = \mathcal N(0, I)$ and a decoder $p_\theta(x \mid z)$. The integral is intractable,
so an encoder $q_\phi(z\mid x) = \mathcal N(\mu_\phi(x), \operatorname{diag}\sigma^2_\phi(x))$
is trained jointly and both maximise the evidence lower bound (ELBO):

$$\log p_\theta(x) \ge \mathcal{L}(x) =
\underbrace{\mathbb E_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)]}_{-\text{reconstruction}}
- \underbrace{\mathrm{KL}\bigl(q_\phi(z\mid x)\,\|\,p(z)\bigr)}_{\text{KL}}.$$

* **KL in closed form** for two Gaussians:
  $\mathrm{KL} = -\tfrac12\sum_{i=1}^d (1 + \log\sigma_i^2 - \mu_i^2 - \sigma_i^2)$.
* **Reparameterisation**: $z = \mu + \sigma \odot \varepsilon$, $\varepsilon \sim \mathcal N(0, I)$,
  moves the randomness out of the path from $\phi$ to the loss, so the gradient of a
  one-sample estimate flows through $\mu$ and $\sigma$.
* **Decoders**: Bernoulli (logits $\ell$; $-\log p = $ binary cross-entropy summed over
  pixels) or Gaussian with a learned per-pixel $\sigma$
  ($-\log p = \sum_j \tfrac12[(x_j-m_j)^2/\sigma_j^2 + \log 2\pi\sigma_j^2]$).

Losses are in nats per image (summed over pixels and latent dimensions, averaged over the
batch). On grey-level MNIST the Bernoulli "likelihood" is the usual convention, not a
true probability of a grey image.

>>> import numpy as np
>>> vae = VAE(hidden=16, latent_dim=2, generator=np.random.default_rng(0))
>>> x = np.random.default_rng(1).random((4, 784), dtype=np.float32)
>>> out = vae.elbo(x, generator=np.random.default_rng(2))
>>> out.loss.shape, out.reconstruction.shape, out.kl.shape
((), (4,), (4,))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.generative.autoencoders.vanilla_ae import as_input, bernoulli_nll, mlp
from groundup.nn_core.module import Module, Parameter
from groundup.utils.seeding import make_rng

__all__ = ["ELBO", "VAE", "gaussian_kl", "gaussian_nll", "reparameterize"]

DECODERS = ("bernoulli", "gaussian")


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    r"""$\mathrm{KL}(\mathcal N(\mu, \sigma^2) \| \mathcal N(0, I)) = -\frac12\sum_i(1 + \log\sigma_i^2 - \mu_i^2 - \sigma_i^2)$.

    Parameters
    ----------
    mu, logvar : Tensor of shape (B, d)
        Mean and $\log\sigma^2$ of the encoder's Gaussian.

    Returns
    -------
    Tensor of shape (B,), nats

    >>> import numpy as np
    >>> gaussian_kl(Tensor(np.ones((1, 3))), Tensor(np.zeros((1, 3)))).tolist()  # 3 * mu^2 / 2
    [1.5]
    """
    # BEGIN SOLUTION
    return -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(dim=1)
    # END SOLUTION


def reparameterize(mu: Tensor, logvar: Tensor, eps: Any) -> Tensor:
    r"""$z = \mu + \sigma \odot \varepsilon$ with $\sigma = e^{\frac12 \log\sigma^2}$; ``eps`` is $\varepsilon \sim \mathcal N(0, I)$, ``(B, d)``."""
    # BEGIN SOLUTION
    return mu + (0.5 * logvar).exp() * Tensor(np.asarray(eps, dtype=mu.dtype))
    # END SOLUTION


def gaussian_nll(mean: Tensor, log_sigma: Tensor, x: Any) -> Tensor:
    r"""$-\log\mathcal N(x; m, \sigma^2) = \sum_j \bigl[\frac{(x_j-m_j)^2}{2\sigma_j^2} + \log\sigma_j + \frac12\log 2\pi\bigr]$ per row.

    Parameters
    ----------
    mean : Tensor of shape (B, D)
    log_sigma : Tensor of shape (D,) or (B, D)
    x : array or Tensor of shape (B, D)

    Returns
    -------
    Tensor of shape (B,), nats
    """
    x = as_input(x)
    # BEGIN SOLUTION
    z = (x - mean) * (-log_sigma).exp()  # (B, D)
    return (0.5 * z * z + log_sigma + 0.5 * math.log(2 * math.pi)).sum(dim=1)
    # END SOLUTION


@dataclass
class ELBO:
    """The terms of the negative ELBO of a batch."""

    loss: Tensor
    """$-\\mathcal L$ averaged over the batch (reconstruction + beta * KL), a scalar to minimise."""
    reconstruction: Tensor
    """$-\\log p_\\theta(x\\mid z)$ per image, ``(B,)`` nats."""
    kl: Tensor
    """$\\mathrm{KL}(q_\\phi(z\\mid x)\\|p(z))$ per image, ``(B,)`` nats."""
    mu: Tensor
    """Encoder means ``(B, d)``."""


class VAE(Module):
    """An MLP VAE ``in_features -> hidden -> (mu, logvar) in R^d; z -> hidden -> in_features``.

    Parameters
    ----------
    in_features : int
        784 for flattened MNIST digits.
    hidden : int
        Width of the one hidden layer (400 in Kingma and Welling's MNIST model).
    latent_dim : int
        $d$ (20 in the PyTorch example).
    decoder : ``"bernoulli"`` or ``"gaussian"``
        The likelihood $p_\\theta(x\\mid z)$.
    cond_dim : int
        Size of a condition vector appended to the encoder's input and to $z$ (0: none;
        the conditional VAE of :mod:`.cvae` sets it).
    generator : np.random.Generator, optional
    """

    def __init__(
        self,
        in_features: int = 784,
        hidden: int = 400,
        latent_dim: int = 20,
        decoder: str = "bernoulli",
        cond_dim: int = 0,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"VAE: decoder must be one of {DECODERS}, got {decoder!r}")
        rng = make_rng(generator)
        self.latent_dim = latent_dim
        self.likelihood = decoder
        # BEGIN SOLUTION
        # one head for both: the first d outputs are mu, the last d are log sigma^2
        self.encoder = mlp([in_features + cond_dim, hidden, 2 * latent_dim], rng)
        self.decoder = mlp([latent_dim + cond_dim, hidden, in_features], rng)
        if decoder == "gaussian":
            self.log_sigma = Parameter(np.zeros(in_features, dtype=np.float32))
        # END SOLUTION

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(mu, logvar)`` of $q_\\phi(z\\mid x)$, each ``(B, latent_dim)``."""
        h = self.encoder(x)  # (B, 2d)
        d = self.latent_dim
        return h[:, :d], h[:, d:]

    def decode(self, z: Tensor) -> Tensor:
        """Decoder output ``(B, in_features)``: logits (Bernoulli) or means (Gaussian)."""
        return self.decoder(z)

    def reconstruction_nll(self, out: Tensor, x: Any) -> Tensor:
        """$-\\log p_\\theta(x\\mid z)$ per image, ``(B,)``."""
        if self.likelihood == "bernoulli":
            return bernoulli_nll(out, x)
        return gaussian_nll(out, self.log_sigma, x)

    def mean_image(self, out: Tensor) -> np.ndarray:
        """The decoder's mean image: $\\sigma(\\ell)$ (Bernoulli) or $m$ (Gaussian), clipped to [0, 1]."""
        if self.likelihood == "bernoulli":
            return 1.0 / (1.0 + np.exp(-out.data))
        return np.clip(out.data, 0.0, 1.0)

    def _elbo(self, x: Tensor, enc_in: Tensor, cond: Tensor | None, rng: Any, beta: float) -> ELBO:
        from groundup.foundations.ops.join import cat

        mu, logvar = self.encode(enc_in)  # (B, d) each
        # BEGIN SOLUTION
        eps = rng.standard_normal(mu.shape)  # (B, d)
        z = reparameterize(mu, logvar, eps)  # (B, d)
        out = self.decode(z if cond is None else cat([z, cond], dim=1))  # (B, D)
        rec = self.reconstruction_nll(out, x)  # (B,)
        kl = gaussian_kl(mu, logvar)  # (B,)
        # $-\mathcal L = \mathbb E_B[-\log p_\theta(x|z) + \beta\,\mathrm{KL}]$
        loss = (rec + beta * kl).mean()
        # END SOLUTION
        return ELBO(loss=loss, reconstruction=rec, kl=kl, mu=mu)

    def elbo(self, x: Any, generator: Any = None, beta: float = 1.0) -> ELBO:
        """The negative ELBO of a batch ``x`` ``(B, in_features)`` with one $z$ sample per image.

        ``beta`` weighs the KL term (1: the ELBO; beta-VAE otherwise).
        """
        x = as_input(x)
        return self._elbo(x, x, None, make_rng(generator), beta)

    def forward(self, x: Any, generator: Any = None) -> ELBO:
        """Same as :meth:`elbo`."""
        return self.elbo(x, generator)

    def sample(self, n: int, generator: Any = None) -> np.ndarray:
        """``n`` mean images decoded from $z \\sim \\mathcal N(0, I)$, ``(n, in_features)`` in [0, 1]."""
        from groundup.foundations.autograd import no_grad

        z = make_rng(generator).standard_normal((n, self.latent_dim)).astype(np.float32)
        with no_grad():
            return self.mean_image(self.decode(Tensor(z)))
