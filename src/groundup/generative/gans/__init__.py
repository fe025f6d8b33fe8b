"""Generative adversarial networks (Phase 8 of the implementation curriculum).

* ``vanilla_gan.py``: the minimax game, the non-saturating loss, MLP generator and discriminator;
* ``dcgan.py``: strided and transposed convolutions, BatchNorm in G, N(0, 0.02) init;
* ``wgan_gp.py``: a critic without BatchNorm and the gradient penalty (a double backward);
* ``cgan.py``: the conditional GAN, a label embedding in G and D.
"""

from groundup.generative.gans.cgan import ConditionalDiscriminator, ConditionalGenerator
from groundup.generative.gans.dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init_
from groundup.generative.gans.vanilla_gan import (
    GAN,
    Discriminator,
    Generator,
    discriminator_loss,
    generator_loss,
    minimax_generator_loss,
)
from groundup.generative.gans.wgan_gp import Critic, critic_loss, gradient_penalty

__all__ = [
    "GAN",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "Critic",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "Discriminator",
    "Generator",
    "critic_loss",
    "dcgan_init_",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "minimax_generator_loss",
]
