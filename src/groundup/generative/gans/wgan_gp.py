r"""WGAN-GP (Gulrajani et al., 2017): a critic that estimates the Wasserstein-1 distance,
kept 1-Lipschitz by a gradient penalty.

By the Kantorovich–Rubinstein duality,

$$W_1(p_{\text{data}}, p_G) = \sup_{\lVert f \rVert_L \le 1}\;
\mathbb E_{x \sim p_{\text{data}}}[f(x)] - \mathbb E_{\tilde x \sim p_G}[f(\tilde x)],$$

so a *critic* $f$ (a score, not a probability: no sigmoid) is trained to maximise the gap,
and the generator to shrink it. The constraint is soft: an optimal critic has gradient
norm 1 almost everywhere between the two distributions, so the penalty pulls
$\lVert\nabla_{\hat x} f(\hat x)\rVert$ towards 1 at random points on the segments between
real and fake samples:

$$\hat x = \alpha x + (1 - \alpha)\tilde x,\quad \alpha \sim U[0, 1] \text{ per sample},$$

$$L_f = \mathbb E[f(\tilde x)] - \mathbb E[f(x)] + \lambda\, \mathbb E\big[(\lVert\nabla_{\hat x} f(\hat x)\rVert_2 - 1)^2\big],
\qquad L_G = -\mathbb E[f(G(z))].$$

The penalty contains a gradient, so its gradient with respect to the critic's weights
is a gradient of a gradient: $\nabla_{\hat x} f$ must be computed with
``create_graph=True`` (a double backward through every layer of the critic). Without
it the penalty is a constant of the weights and silently does nothing.

The critic has **no BatchNorm**: the penalty is taken per sample, and BatchNorm makes each
output depend on the whole batch. Hyper-parameters of the paper: $\lambda = 10$,
$n_{\text{critic}} = 5$ critic steps per generator step, Adam with lr $10^{-4}$, $\beta = (0.5, 0.9)$.

>>> import numpy as np
>>> from groundup import Tensor
>>> w = np.array([3.0, 4.0])                      # a linear critic f(x) = w.x, |w| = 5
>>> critic = lambda x: x @ Tensor(w)
>>> x = Tensor(np.ones((4, 2)))
>>> penalty, norms = gradient_penalty(critic, x, x, alpha=np.full(4, 0.5))
>>> float(penalty.item()), norms.tolist()             # (|w| - 1)^2
(16.0, [5.0, 5.0, 5.0, 5.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import enable_grad, grad
from groundup.foundations.computational_graph import Tensor
from groundup.generative.gans.vanilla_gan import GAN, Check, Discriminator, _checked
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm1d, BatchNorm2d

__all__ = ["Critic", "critic_loss", "generator_loss", "gradient_penalty", "train_step"]


class Critic(Discriminator):
    r"""$f: x \mapsto$ a real score: an MLP with LeakyReLU(0.2), no BatchNorm, no sigmoid.

    The same network as the GAN's :class:`~groundup.generative.gans.vanilla_gan.Discriminator`;
    only its reading changes (a score, not a logit). For a convolutional critic use
    ``DCGANDiscriminator(batch_norm=False)``.

    Shapes: ``(B, in_features)`` or ``(B, C, H, W)`` ``-> (B,)``.
    """


def gradient_penalty(
    critic: Callable[[Tensor], Tensor],
    real: Tensor | np.ndarray,
    fake: Tensor | np.ndarray,
    alpha: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    create_graph: bool = True,
) -> tuple[Tensor, np.ndarray]:
    r"""$\mathbb E[(\lVert\nabla_{\hat x} f(\hat x)\rVert_2 - 1)^2]$ at $\hat x = \alpha x + (1-\alpha)\tilde x$.

    Parameters
    ----------
    critic : callable
        ``critic(x)`` of shape ``(B,)``.
    real, fake : Tensor or array of shape ``(B, ...)``
        Their values only are used (the interpolates are a new leaf).
    alpha : array of shape ``(B,)``, optional
        One mixing weight per sample; drawn from $U[0, 1]$ with ``rng`` if not given.
    rng : np.random.Generator, optional
    create_graph : bool
        Record the gradient's own graph, so the penalty can be differentiated with
        respect to the critic's weights. ``False`` is only for showing what goes wrong.

    Returns
    -------
    penalty : Tensor, a scalar
    norms : ndarray of shape ``(B,)``
        $\lVert\nabla_{\hat x} f(\hat x)\rVert_2$ of each sample (logged: it should stay near 1).
    """
    x = real.data if isinstance(real, Tensor) else np.asarray(real)
    x_tilde = fake.data if isinstance(fake, Tensor) else np.asarray(fake)
    if x.shape != x_tilde.shape:
        raise ValueError(
            f"gradient_penalty: real and fake must have one shape, got {x.shape} and {x_tilde.shape}"
        )
    B = x.shape[0]
    if alpha is None:
        alpha = (rng if rng is not None else np.random.default_rng()).uniform(size=B)
    alpha = np.asarray(alpha, dtype=x.dtype)
    if alpha.shape != (B,):
        raise ValueError(
            f"gradient_penalty: alpha must have shape ({B},), one per sample, got {alpha.shape}"
        )
    # BEGIN SOLUTION
    a = alpha.reshape((B,) + (1,) * (x.ndim - 1))  # (B, 1, ..., 1): one alpha per sample
    # $\hat x = \alpha x + (1 - \alpha) \tilde x$
    x_hat = Tensor(a * x + (1 - a) * x_tilde, requires_grad=True)  # (B, ...)
    with enable_grad():  # the gradient is part of the penalty's value, even under no_grad
        # $\nabla_{\hat x} f(\hat x)$: summing f over the batch gives each sample's own gradient
        (g,) = grad(critic(x_hat).sum(), x_hat, create_graph=create_graph)  # (B, ...)
    # $\lVert g \rVert_2$ over each flattened sample
    norms = (g.reshape(B, -1) ** 2).sum(1).sqrt()  # (B,)
    penalty = ((norms - 1) ** 2).mean()
    # END SOLUTION
    return penalty, norms.data.copy()


def critic_loss(
    real_scores: Tensor, fake_scores: Tensor, penalty: Tensor, lambda_gp: float = 10.0
) -> Tensor:
    r"""$L_f = \mathbb E[f(\tilde x)] - \mathbb E[f(x)] + \lambda\,\text{GP}$ (the critic *minimises* it).

    >>> float(critic_loss(Tensor([2.0]), Tensor([-1.0]), Tensor(0.5), lambda_gp=10.0).item())
    2.0
    """
    # BEGIN SOLUTION
    return fake_scores.mean() - real_scores.mean() + lambda_gp * penalty
    # END SOLUTION


def generator_loss(fake_scores: Tensor) -> Tensor:
    r"""$L_G = -\mathbb E[f(G(z))]$.

    >>> float(generator_loss(Tensor([1.0, 3.0])).item())
    -2.0
    """
    return -fake_scores.mean()


def check_no_batch_norm(critic: Module) -> None:
    """Raise if ``critic`` contains BatchNorm (the gradient penalty is per sample)."""
    for name, m in critic.named_modules():
        if isinstance(m, BatchNorm1d | BatchNorm2d):
            raise ValueError(
                f"WGAN-GP: the critic must not use BatchNorm ({name or 'the critic'} is "
                f"{type(m).__name__}): the gradient penalty is per sample and BatchNorm mixes the "
                "batch; use LayerNorm or no normalisation (DCGANDiscriminator(batch_norm=False))"
            )


def train_step(
    gan: GAN,
    opt_g: Any,
    opt_d: Any,
    reals: Sequence[Tensor],
    rng: np.random.Generator,
    lambda_gp: float = 10.0,
    check: Check | None = None,
) -> dict[str, float]:
    r"""``len(reals)`` critic steps ($n_{\text{critic}}$, one real batch each), then one generator step.

    Parameters
    ----------
    gan : GAN
        Its ``discriminator`` is the critic (no BatchNorm).
    opt_g, opt_d : optimisers over ``gan.generator`` and the critic
    reals : sequence of Tensor of shape ``(B, ...)``
        The real batches, in $[-1, 1]$.
    rng : np.random.Generator
        For $z$ and $\alpha$.
    lambda_gp : float
        $\lambda$.
    check : callable, optional
        ``check(loss, model) -> float`` between backward and step.

    Returns
    -------
    dict with the last critic step's ``d_loss``, ``gp`` and ``wasserstein`` (the estimate
    $\mathbb E f(x) - \mathbb E f(\tilde x)$), ``grad_norm`` (mean over the critic steps of the
    mean $\lVert\nabla f(\hat x)\rVert$), and ``g_loss``.
    """
    G, f = gan.generator, gan.discriminator
    check_no_batch_norm(f)
    norms = []
    # BEGIN SOLUTION
    for real in reals:
        fake = G(gan.sample_latent(real.shape[0], rng)).detach()  # (B, ...)
        real_scores, fake_scores = f(real), f(fake)  # (B,), (B,)
        penalty, norm = gradient_penalty(f, real, fake, rng=rng)
        d_loss = critic_loss(real_scores, fake_scores, penalty, lambda_gp)
        opt_d.zero_grad()
        d_loss.backward()  # through the double-backward graph of the penalty too
        d_value = _checked(d_loss, f, check)
        opt_d.step()
        norms.append(float(norm.mean()))
    f.requires_grad_(False)
    g_loss = generator_loss(f(G(gan.sample_latent(reals[0].shape[0], rng))))
    f.requires_grad_(True)
    opt_g.zero_grad()
    g_loss.backward()
    g_value = _checked(g_loss, G, check)
    opt_g.step()
    # END SOLUTION
    return {
        "d_loss": d_value,
        "gp": float(penalty.item()),
        "wasserstein": float(real_scores.data.mean() - fake_scores.data.mean()),
        "grad_norm": float(np.mean(norms)),
        "g_loss": g_value,
    }
