"""Generative models (Phases 7-8 of the implementation curriculum) and their evaluation.

* ``autoencoders/``: the autoencoder, VAE, conditional VAE and VQ-VAE;
* ``gans/``: GAN, DCGAN, WGAN-GP and the conditional GAN;
* ``diffusion/``: noise schedules, DDPM, DDIM and classifier-free guidance;
* ``evaluation/``: Fréchet distance, precision/recall and class metrics on features of a
  LeNet the project trains itself (:mod:`groundup.generative.evaluation`).
"""
