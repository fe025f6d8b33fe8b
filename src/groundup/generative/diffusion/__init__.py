"""Diffusion models (Phase 9): noise schedules, DDPM, DDIM and classifier-free guidance.

* :mod:`~groundup.generative.diffusion.noise_schedule`: linear and cosine $\\beta_t$, $\\bar\\alpha_t$, the posterior;
* :mod:`~groundup.generative.diffusion.ddpm`: the forward process, $L_\\text{simple}$, ancestral sampling, an MLP denoiser;
* :mod:`~groundup.generative.diffusion.ddim`: deterministic and stochastic sampling on strided steps, inversion;
* :mod:`~groundup.generative.diffusion.classifier_free_guidance`: label dropout and the guided $\\tilde\\varepsilon$;
* :mod:`~groundup.generative.diffusion.unet`: the image denoiser, a small U-Net with time and label.
"""

from groundup.generative.diffusion.ddpm import MLPDenoiser, timestep_embedding
from groundup.generative.diffusion.unet import DiffusionUNet, TimeEmbedding, TimeResBlock

__all__ = ["DiffusionUNet", "MLPDenoiser", "TimeEmbedding", "TimeResBlock", "timestep_embedding"]
