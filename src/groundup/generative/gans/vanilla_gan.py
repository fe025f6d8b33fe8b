r"""The GAN of Goodfellow et al. (2014): two MLPs and the non-saturating loss.

A generator $G$ maps noise $z \sim \mathcal N(0, I)$ to an image; a discriminator $D$
outputs a logit $\ell(x)$, with $D(x) = \sigma(\ell(x))$ the probability that $x$ is real.
They play the minimax game

$$\min_G \max_D\; V(D, G) = \mathbb E_{x \sim p_{\text{data}}}[\log D(x)]
+ \mathbb E_{z}[\log(1 - D(G(z)))].$$

$D$ ascends $V$, i.e. minimises the binary cross-entropy with "real" = 1 and "fake" = 0:

$$L_D = -\mathbb E[\log D(x)] - \mathbb E[\log(1 - D(G(z)))]
= \mathbb E[\operatorname{softplus}(-\ell(x))] + \mathbb E[\operatorname{softplus}(\ell(G(z)))].$$

$G$ could descend $V$ (the *minimax* loss $\mathbb E[\log(1 - D(G(z)))]$), but early in
training $D$ rejects every fake, $D(G(z)) \approx 0$, and the gradient of
$\log(1 - \sigma(\ell))$, which is $-\sigma(\ell)$, vanishes. The *non-saturating* loss
has the same fixed point and a gradient $-(1 - \sigma(\ell)) \approx -1$ there:

$$L_G = -\mathbb E[\log D(G(z))] = \mathbb E[\operatorname{softplus}(-\ell(G(z)))].$$

:func:`train_step` alternates one step of each, $D$ first (on a detached fake), then $G$
through a *fresh* forward pass of the updated $D$.

>>> import numpy as np
>>> gan = GAN(Generator(8, (16,), 4), Discriminator(4, (16,)), latent_dim=8)
>>> gan.sample(3, np.random.default_rng(0)).shape  # images in (-1, 1) from tanh
(3, 4)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.relu import LeakyReLU, ReLU
from groundup.nn_core.activations.sigmoid import softplus
from groundup.nn_core.activations.tanh import Tanh
from groundup.nn_core.containers import Sequential
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm1d
from groundup.utils.seeding import make_rng

__all__ = [
    "GAN",
    "Discriminator",
    "Generator",
    "discriminator_loss",
    "generator_loss",
    "minimax_generator_loss",
    "train_step",
]

# Called between a loss's backward() and its optimiser's step(): (loss, model) -> float.
# The milestones pass their loop's NaN guard; None just reads the value.
Check = Callable[[Tensor, Module], float]


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r"""$L_D = \mathbb E[\operatorname{softplus}(-\ell(x))] + \mathbb E[\operatorname{softplus}(\ell(G(z)))]$.

    The binary cross-entropy of $D$ with real = 1, fake = 0, from logits (stable for any
    logit: ``softplus`` never forms $\log \sigma$).

    Parameters
    ----------
    real_logits, fake_logits : Tensor of shape ``(B,)``
        $\ell$ on a batch of real and of generated images.

    >>> round(float(discriminator_loss(Tensor([0.0]), Tensor([0.0])).item()), 4)  # 2 ln 2
    1.3863
    """
    # BEGIN SOLUTION
    # $-\log\sigma(\ell) = \operatorname{softplus}(-\ell)$, $-\log(1-\sigma(\ell)) = \operatorname{softplus}(\ell)$
    return softplus(-real_logits).mean() + softplus(fake_logits).mean()
    # END SOLUTION


def generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The non-saturating loss $L_G = -\mathbb E[\log D(G(z))] = \mathbb E[\operatorname{softplus}(-\ell(G(z)))]$.

    >>> round(float(generator_loss(Tensor([0.0])).item()), 4)  # ln 2
    0.6931
    """
    # BEGIN SOLUTION
    return softplus(-fake_logits).mean()
    # END SOLUTION


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The saturating loss of the minimax game, $\mathbb E[\log(1 - D(G(z)))] = -\mathbb E[\operatorname{softplus}(\ell(G(z)))]$.

    Shown for contrast: its gradient $-\sigma(\ell)$ vanishes when $D$ rejects the fakes.

    >>> round(float(minimax_generator_loss(Tensor([0.0])).item()), 4)  # log(1/2)
    -0.6931
    """
    return -softplus(fake_logits).mean()


def _mlp(
    sizes: Sequence[int], hidden_act: Callable[[], Module], rng: np.random.Generator
) -> list[Module]:
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(pairwise(sizes)):
        layers.append(Linear(n_in, n_out, generator=rng))
        if i < len(sizes) - 2:
            layers.append(hidden_act())
    return layers


class Generator(Module):
    r"""$G: z \mapsto \tanh(\text{MLP}(z))$, an MLP with ReLU hidden layers and a tanh output.

    ``batch_norm=True`` puts a BatchNorm after every hidden linear layer and
    ``negative_slope > 0`` makes the hidden activations LeakyReLU: the generator of
    PyTorch-GAN's ``gan.py``, and what the milestones use. Without them this small MLP
    collapsed onto one or two digits on the 4,000 training digits (a PyTorch twin at 500 /
    3,000 steps: class entropy 0.0 / 1.16, recall 0); with them it drew all ten (entropy
    2.1 at 2,000 steps). BatchNorm normalises over the batch, so :meth:`GAN.sample` draws in
    eval mode (the running statistics).

    Parameters
    ----------
    latent_dim : int
        Size of $z$.
    hidden : sequence of int
        Hidden layer sizes (64-256-512-784 is the milestone's generator).
    out_features : int
        Size of a flattened image (784 for MNIST), values in $(-1, 1)$.
    batch_norm : bool
        A ``BatchNorm1d`` after each hidden linear layer.
    negative_slope : float
        0: ReLU hidden activations; > 0: LeakyReLU with this slope.

    Shapes: ``(B, latent_dim) -> (B, out_features)``.
    """

    def __init__(
        self,
        latent_dim: int = 64,
        hidden: Sequence[int] = (256, 512),
        out_features: int = 784,
        generator: np.random.Generator | None = None,
        batch_norm: bool = False,
        negative_slope: float = 0.0,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.latent_dim, self.out_features = latent_dim, out_features
        layers: list[Module] = []
        for n_in, n_out in pairwise([latent_dim, *hidden]):
            layers.append(Linear(n_in, n_out, generator=rng))  # (B, n_in) -> (B, n_out)
            if batch_norm:
                layers.append(BatchNorm1d(n_out))
            layers.append(LeakyReLU(negative_slope) if negative_slope > 0 else ReLU())
        layers.append(Linear([latent_dim, *hidden][-1], out_features, generator=rng))
        self.net = Sequential(*layers, Tanh())

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)  # (B, out_features)


class Discriminator(Module):
    r"""$\ell: x \mapsto$ a logit, an MLP with LeakyReLU(0.2) hidden layers.

    Shapes: ``(B, in_features)`` (or ``(B, C, H, W)``, flattened) ``-> (B,)``.
    """

    def __init__(
        self,
        in_features: int = 784,
        hidden: Sequence[int] = (512, 256),
        negative_slope: float = 0.2,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.in_features = in_features
        self.net = Sequential(
            *_mlp([in_features, *hidden, 1], lambda: LeakyReLU(negative_slope), rng)
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)  # (B, C*H*W)
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"{type(self).__name__}: expected inputs of {self.in_features} features, got shape {x.shape}"
            )
        return self.net(x).reshape(-1)  # (B,)


class GAN(Module):
    """A generator and a discriminator (or critic) as one module: one ``state_dict``.

    Parameters
    ----------
    generator, discriminator : Module
        ``generator(z)`` with ``z`` of shape ``(B, latent_dim)``; ``discriminator(x)`` of
        shape ``(B,)``.
    latent_dim : int
    """

    def __init__(self, generator: Module, discriminator: Module, latent_dim: int) -> None:
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = int(latent_dim)

    def sample_latent(self, n: int, rng: np.random.Generator) -> Tensor:
        r"""$z \sim \mathcal N(0, I)$, shape ``(n, latent_dim)``, float32."""
        return Tensor(rng.standard_normal((n, self.latent_dim)).astype(np.float32))

    def sample(
        self, n: int, rng: np.random.Generator, batch_size: int = 500, **kwargs: Any
    ) -> np.ndarray:
        """``n`` generated images as an array (eval mode, no graph); ``kwargs`` go to the generator."""
        was_training = self.training
        self.eval()
        out = []
        with no_grad():
            for i in range(0, n, batch_size):
                m = min(batch_size, n - i)
                extra = {k: v[i : i + m] for k, v in kwargs.items()}
                out.append(self.generator(self.sample_latent(m, rng), **extra).data)
        self.train(was_training)
        return np.concatenate(out)


def _mean_probability(logits: Tensor) -> float:
    r"""$\frac1B \sum_i \sigma(\ell_i)$: how real $D$ finds a batch, on average."""
    return float(np.mean(1.0 / (1.0 + np.exp(-logits.data.astype(np.float64)))))


def _checked(loss: Tensor, model: Module, check: Check | None) -> float:
    return check(loss, model) if check is not None else float(loss.item())


def train_step(
    gan: GAN,
    opt_g: Any,
    opt_d: Any,
    real: Tensor,
    rng: np.random.Generator,
    check: Check | None = None,
) -> dict[str, float]:
    r"""One discriminator step, then one generator step (non-saturating loss).

    Parameters
    ----------
    gan : GAN
    opt_g, opt_d : optimisers over ``gan.generator`` and ``gan.discriminator``
    real : Tensor of shape ``(B, ...)``
        A batch of real images, scaled to $[-1, 1]$.
    rng : np.random.Generator
        For $z$.
    check : callable, optional
        ``check(loss, model) -> float`` between backward and step (a NaN guard).

    Returns
    -------
    dict with ``d_loss``, ``g_loss`` and ``d_real``, ``d_fake`` (the mean of $D = \sigma(\ell)$
    on each batch, before the step).
    """
    G, D = gan.generator, gan.discriminator
    B = real.shape[0]
    # BEGIN SOLUTION
    fake = G(gan.sample_latent(B, rng))  # (B, ...)
    # D step: the fake is detached, so L_D's backward stops at D's input
    real_logits, fake_logits = D(real), D(fake.detach())  # (B,), (B,)
    d_loss = discriminator_loss(real_logits, fake_logits)
    opt_d.zero_grad()
    d_loss.backward()
    d_value = _checked(d_loss, D, check)
    opt_d.step()
    # G step through the *updated* D: a fresh forward pass (reusing fake_logits' graph would
    # differentiate the old D, and the engine's version check raises). D's weights are
    # frozen so no gradient is computed for them.
    D.requires_grad_(False)
    g_loss = generator_loss(D(fake))
    D.requires_grad_(True)
    opt_g.zero_grad()
    g_loss.backward()
    g_value = _checked(g_loss, G, check)
    opt_g.step()
    # END SOLUTION
    return {
        "d_loss": d_value,
        "g_loss": g_value,
        "d_real": _mean_probability(real_logits),
        "d_fake": _mean_probability(fake_logits),
    }
