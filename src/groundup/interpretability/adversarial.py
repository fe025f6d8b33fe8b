r"""Adversarial examples: FGSM, PGD and adversarial training (L∞ threat model).

A classifier $f$ with loss $\mathcal L(f(x), y)$ is attacked by a perturbation $\delta$
with $\|\delta\|_\infty \le \epsilon$ that keeps the image valid ($x + \delta \in [0,1]^n$)
and makes the loss as large as possible.

**FGSM** (Goodfellow, Shlens and Szegedy, 2015) takes one step of the linearised loss,
whose maximiser over the $\epsilon$-ball is the sign of the gradient:

$$x' = \mathrm{clip}_{[0,1]}\big(x + \epsilon\,\mathrm{sign}(\nabla_x \mathcal L(f(x), y))\big).$$

**PGD** (Madry et al., 2018) repeats smaller steps of size $\alpha$ from a random start
in the ball and projects back after each one:

$$x^{0} = \mathrm{clip}_{[0,1]}(x + u),\ u \sim U[-\epsilon, \epsilon]^n,\qquad
x^{t+1} = \Pi_{B_\infty(x,\epsilon)\cap[0,1]^n}\big(x^t + \alpha\,\mathrm{sign}(\nabla_x
\mathcal L(f(x^t), y))\big),$$

where the projection onto the box is a clip per pixel:
$\Pi(z) = \min(\max(z, x-\epsilon, 0), x+\epsilon, 1)$.

**Adversarial training** minimises the loss on PGD examples instead of clean ones,
$\min_\theta \mathbb E\,\max_{\|\delta\|_\infty\le\epsilon}\mathcal L(f_\theta(x+\delta), y)$.

The model is any callable from images in $[0, 1]$ to logits (put the normalisation
inside it: ``lambda x: net((x - mean) / std)``).

>>> import numpy as np
>>> from groundup.nn_core.layers.linear import Linear
>>> net = Linear(4, 3, generator=np.random.default_rng(0)).double()
>>> x = np.full((2, 4), 0.5); y = np.array([0, 2])
>>> x_adv = fgsm(net, x, y, eps=0.1)
>>> np.abs(x_adv - x).round(12).tolist()[0]
[0.1, 0.1, 0.1, 0.1]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import grad, no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.optimization.losses.cross_entropy import cross_entropy
from groundup.utils.seeding import make_rng

__all__ = ["accuracy", "adversarial_loss", "fgsm", "input_gradient", "pgd"]

Model = Callable[[Tensor], Tensor]


def _check_eps(eps: float, name: str = "eps") -> float:
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {eps}")
    return float(eps)


def input_gradient(model: Model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""$\nabla_x \sum_i \mathcal L(f(x_i), y_i)$: the gradient of the summed cross-entropy.

    The sum (not the mean) keeps each example's gradient independent of the batch size;
    only its sign is used by FGSM and PGD. Shape of ``x``.
    """
    xt = Tensor(np.asarray(x), requires_grad=True)
    y = np.asarray(y)
    # the weights' gradients are not needed: freeze them for this pass (about a third of
    # a convolution's backward is its weight gradient)
    frozen = [p for p in getattr(model, "parameters", list)() if p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    try:
        loss = cross_entropy(model(xt), Tensor(y), reduction="sum")
        (g,) = grad(loss, xt)
    finally:
        for p in frozen:
            p.requires_grad_(True)
    return g.data


def fgsm(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    eps: float,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    r"""The fast gradient sign attack: $\mathrm{clip}(x + \epsilon\,\mathrm{sign}\,\nabla_x\mathcal L)$.

    Parameters
    ----------
    model : callable
        Images ``(N, ...)`` (a Tensor) -> logits ``(N, C)``.
    x : ndarray of shape ``(N, ...)``
        Clean images in ``clip``'s range.
    y : ndarray of shape ``(N,)``
        True labels.
    eps : float
        The L∞ budget $\epsilon \ge 0$.
    clip : (low, high) or None
        The valid pixel range (``None``: no clipping).

    Returns
    -------
    ndarray of the shape and dtype of ``x``
    """
    eps = _check_eps(eps)
    x = np.asarray(x)
    if eps == 0:
        return x.copy()
    # BEGIN SOLUTION
    # $x' = x + \epsilon\,\mathrm{sign}(\nabla_x \mathcal L)$
    x_adv = x + eps * np.sign(input_gradient(model, x, y))  # (N, ...)
    if clip is not None:
        x_adv = np.clip(x_adv, clip[0], clip[1])
    # END SOLUTION
    return x_adv.astype(x.dtype)


def pgd(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    eps: float,
    alpha: float | None = None,
    steps: int = 10,
    random_start: bool = True,
    clip: tuple[float, float] | None = (0.0, 1.0),
    generator: Any = None,
    callback: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    r"""Projected gradient descent on the loss in the L∞ ball (Madry et al., 2018).

    Parameters
    ----------
    model, x, y, eps, clip :
        As in :func:`fgsm`.
    alpha : float, optional
        Step size (default $2.5\,\epsilon/\text{steps}$, Madry et al.'s choice, so that
        a pixel can cross the ball from any start).
    steps : int
        Number of signed-gradient steps.
    random_start : bool
        Start at a uniform point of the ball (clipped), not at ``x``.
    generator : np.random.Generator or int, optional
        For the random start.
    callback : callable, optional
        ``callback(t, x_t)`` after the start (``t = 0``) and after each step.

    Returns
    -------
    ndarray of the shape and dtype of ``x``: the last iterate.
    """
    eps = _check_eps(eps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    alpha = 2.5 * eps / steps if alpha is None else _check_eps(alpha, "alpha")
    x = np.asarray(x)
    lo, hi = x - eps, x + eps  # the ball's faces, per pixel
    if clip is not None:
        lo, hi = np.maximum(lo, clip[0]), np.minimum(hi, clip[1])
    # BEGIN SOLUTION
    x_adv = x.copy()
    if random_start and eps > 0:
        # $x^0 = \Pi(x + u),\ u \sim U[-\epsilon, \epsilon]^n$
        u = make_rng(generator).uniform(-eps, eps, size=x.shape)
        x_adv = np.clip(x + u, lo, hi).astype(x.dtype)
    if callback is not None:
        callback(0, x_adv)
    for t in range(steps):
        # $x^{t+1} = \Pi_{B_\infty(x,\epsilon)\cap[0,1]}(x^t + \alpha\,\mathrm{sign}\,\nabla_x\mathcal L)$
        step = alpha * np.sign(input_gradient(model, x_adv, y))
        x_adv = np.clip(x_adv + step, lo, hi).astype(x.dtype)
        if callback is not None:
            callback(t + 1, x_adv)
    # END SOLUTION
    return x_adv


def accuracy(model: Model, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Fraction of ``x`` classified as ``y`` (no gradient, in batches)."""
    correct = 0
    with no_grad():
        for i in range(0, len(x), batch_size):
            logits = model(Tensor(np.asarray(x[i : i + batch_size])))
            correct += int((logits.data.argmax(-1) == np.asarray(y[i : i + batch_size])).sum())
    return correct / max(len(x), 1)


def adversarial_loss(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    eps: float,
    steps: int = 5,
    alpha: float | None = None,
    generator: Any = None,
) -> Tensor:
    r"""Madry et al.'s training loss: the mean cross-entropy at a PGD example of ``x``.

    $\mathcal L_\text{adv}(\theta) = \frac1N\sum_i \mathcal L(f_\theta(x_i + \delta_i^*), y_i)$,
    $\delta^*$ from :func:`pgd` (its gradient does not flow into $\theta$: Danskin's
    theorem says the gradient at the maximiser is the gradient of the max).
    """
    x_adv = pgd(model, x, y, eps, alpha=alpha, steps=steps, generator=generator)
    return cross_entropy(model(Tensor(x_adv)), Tensor(np.asarray(y)))
