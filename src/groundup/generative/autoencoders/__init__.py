"""Autoencoders (Phase 7): the autoencoder, the VAE, the conditional VAE and the VQ-VAE."""

from groundup.generative.autoencoders.cvae import CVAE
from groundup.generative.autoencoders.vae import VAE, gaussian_kl, gaussian_nll, reparameterize
from groundup.generative.autoencoders.vanilla_ae import Autoencoder, bernoulli_nll
from groundup.generative.autoencoders.vqvae import VQVAE, VectorQuantizer, codebook_perplexity

__all__ = [
    "CVAE",
    "VAE",
    "VQVAE",
    "Autoencoder",
    "VectorQuantizer",
    "bernoulli_nll",
    "codebook_perplexity",
    "gaussian_kl",
    "gaussian_nll",
    "reparameterize",
]
