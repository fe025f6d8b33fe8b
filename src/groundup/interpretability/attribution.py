r"""Attribution: which input features a prediction depends on.

For a model $F$ and the score of class $c$, $F_c(x)$ (a logit):

* **Saliency** (Simonyan, Vedaldi and Zisserman, 2013): $|\partial F_c / \partial x|$.
* **Gradient × input**: $x \odot \partial F_c / \partial x$.
* **Integrated gradients** (Sundararajan, Taly and Yan, 2017): the gradient averaged
  along the straight path from a baseline $x'$ to $x$, times the displacement,

  $$\mathrm{IG}_i(x) = (x_i - x'_i)\int_0^1 \frac{\partial F_c(x' + \alpha(x - x'))}{\partial x_i}\,d\alpha
  \approx (x_i - x'_i)\sum_{k=1}^{m} w_k\,\frac{\partial F_c(x' + \alpha_k(x - x'))}{\partial x_i}.$$

  The rule $(\alpha_k, w_k)$ is Captum's: a Riemann sum (left, right, middle,
  trapezoid) or Gauss–Legendre on $[0, 1]$. IG is *complete*: by the fundamental
  theorem of calculus along the path, $\sum_i \mathrm{IG}_i = F_c(x) - F_c(x')$ up to the
  quadrature error. For a linear $F_c(x) = w^\top x + b$ it is $w \odot (x - x')$ exactly.
* **LIME** (Ribeiro, Singh and Guestrin, 2016) for images: switch superpixels (here the
  cells of a grid) off at random, fit a weighted linear model of the score on the on/off
  pattern; its coefficients are the superpixels' importances.
* **Activation maximisation**: the input that maximises a score, with an L2 penalty and
  optional blurring, $x^* = \arg\max_x F_c(x) - \lambda\|x\|^2$, by gradient ascent.
  For a linear score, $x^* = w / (2\lambda)$.

``model`` is any callable from a Tensor of inputs ``(N, ...)`` to scores ``(N, C)``.

>>> import numpy as np
>>> from groundup.nn_core.layers.linear import Linear
>>> f = Linear(3, 2, generator=np.random.default_rng(0)).double()
>>> x = np.array([[1.0, 2.0, 3.0]])
>>> ig = integrated_gradients(f, x, target=1)
>>> np.allclose(ig, f.weight.data[1] * x)      # w * (x - 0) for a linear model
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import grad, no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.utils.seeding import make_rng

__all__ = [
    "activation_maximization",
    "gradient_x_input",
    "integrated_gradients",
    "lime_image",
    "path_rule",
    "saliency",
]

Model = Callable[[Tensor], Tensor]
METHODS = ("riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre")


def _targets(target: Any, n: int) -> np.ndarray:
    t = np.broadcast_to(np.asarray(target, dtype=np.int64), (n,))
    return t


def score_gradient(model: Model, x: np.ndarray, target: Any) -> np.ndarray:
    r"""$\partial F_{c_i}(x_i) / \partial x_i$ for each example $i$: the shape of ``x``.

    ``target``: one class for all, or one per example ``(N,)``.
    """
    x = np.asarray(x)
    xt = Tensor(x, requires_grad=True)
    out = model(xt)  # (N, C)
    t = _targets(target, len(x))
    if out.ndim != 2 or t.max(initial=0) >= out.shape[1] or t.min(initial=0) < 0:
        raise ValueError(
            f"target {target!r} does not index the model's output of shape {out.shape}"
        )
    # the selected score of each example, summed: gradients of different examples do not mix
    onehot = np.zeros(out.shape, dtype=out.dtype)
    onehot[np.arange(len(x)), t] = 1.0
    (g,) = grad((out * Tensor(onehot)).sum(), xt)
    return g.data


def saliency(model: Model, x: np.ndarray, target: Any, abs: bool = True) -> np.ndarray:
    r"""$|\partial F_c/\partial x|$ (Captum's ``Saliency``; ``abs=False``: the signed gradient)."""
    # BEGIN SOLUTION
    g = score_gradient(model, x, target)
    return np.abs(g) if abs else g
    # END SOLUTION


def gradient_x_input(model: Model, x: np.ndarray, target: Any) -> np.ndarray:
    r"""$x \odot \partial F_c/\partial x$ (Captum's ``InputXGradient``)."""
    return np.asarray(x) * score_gradient(model, x, target)


def path_rule(n_steps: int, method: str = "gausslegendre") -> tuple[np.ndarray, np.ndarray]:
    r"""Points $\alpha_k \in [0, 1]$ and weights $w_k$ of a quadrature rule for $\int_0^1 g$.

    Gauss–Legendre maps the nodes $t_k$ and weights $v_k$ of $[-1, 1]$ to
    $\alpha_k = (1 + t_k)/2$, $w_k = v_k/2$: exact for polynomials of degree $< 2m$.
    """
    if n_steps < 1 or (method == "riemann_trapezoid" and n_steps < 2):
        raise ValueError(f"n_steps must be >= 1 (>= 2 for the trapezoid rule), got {n_steps}")
    m = n_steps
    if method == "riemann_left":
        return np.linspace(0, 1 - 1 / m, m), np.full(m, 1 / m)
    if method == "riemann_right":
        return np.linspace(1 / m, 1, m), np.full(m, 1 / m)
    if method == "riemann_middle":
        return np.linspace(1 / (2 * m), 1 - 1 / (2 * m), m), np.full(m, 1 / m)
    if method == "riemann_trapezoid":
        w = np.full(m, 1 / (m - 1))
        w[[0, -1]] = 1 / (2 * (m - 1))
        return np.linspace(0, 1, m), w
    if method == "gausslegendre":
        t, v = np.polynomial.legendre.leggauss(m)
        return 0.5 * (1 + t), 0.5 * v
    raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")


def integrated_gradients(
    model: Model,
    x: np.ndarray,
    target: Any,
    baseline: Any = 0.0,
    n_steps: int = 50,
    method: str = "gausslegendre",
    batch_size: int = 64,
    return_convergence_delta: bool = False,
) -> Any:
    r"""Integrated gradients of ``x`` ``(N, ...)`` from ``baseline`` (zeros by default).

    Parameters
    ----------
    model : callable
        Inputs ``(N, ...)`` -> scores ``(N, C)``.
    x : ndarray of shape ``(N, ...)``
    target : int or ndarray of shape ``(N,)``
        The class $c$ whose score is explained.
    baseline : float or ndarray broadcastable to ``x``
        $x'$: the "absence" of a signal (black image, zeros).
    n_steps : int
        Quadrature points $m$.
    method : str
        ``"gausslegendre"`` (default, as Captum) or ``"riemann_left"``, ``"riemann_right"``,
        ``"riemann_middle"``, ``"riemann_trapezoid"``.
    batch_size : int
        Path points evaluated per forward pass (per example).
    return_convergence_delta : bool
        Also return $\sum_i \mathrm{IG}_i - (F_c(x) - F_c(x'))$ per example ``(N,)``.

    Returns
    -------
    ndarray of the shape of ``x`` (and the deltas)
    """
    x = np.asarray(x)
    x0 = np.broadcast_to(np.asarray(baseline, dtype=x.dtype), x.shape)
    alphas, weights = path_rule(n_steps, method)
    t = _targets(target, len(x))
    total = np.zeros(x.shape, dtype=np.float64)
    # BEGIN SOLUTION
    for start in range(0, n_steps, batch_size):
        a = alphas[start : start + batch_size].astype(x.dtype)  # (k,)
        # path points $x' + \alpha_k (x - x')$ for every example: (k, N, ...)
        shape = (-1,) + (1,) * x.ndim
        pts = x0[None] + a.reshape(shape) * (x - x0)[None]
        g = score_gradient(model, pts.reshape(-1, *x.shape[1:]), np.tile(t, len(a)))
        g = g.reshape(len(a), *x.shape)  # (k, N, ...)
        # $\sum_k w_k\,\partial F_c / \partial x$ at the path points
        total += np.tensordot(weights[start : start + batch_size], g, axes=1)
    # $\mathrm{IG} = (x - x') \odot$ the averaged gradient
    ig = ((x - x0) * total).astype(x.dtype)
    # END SOLUTION
    if not return_convergence_delta:
        return ig
    with no_grad():
        idx = np.arange(len(x))
        f_x = model(Tensor(x)).data[idx, t]
        f_0 = model(Tensor(np.ascontiguousarray(x0))).data[idx, t]
    delta = ig.reshape(len(x), -1).sum(axis=1) - (f_x - f_0)  # (N,)
    return ig, delta


def grid_segments(height: int, width: int, cells: int = 4) -> np.ndarray:
    """Superpixel ids ``(height, width)``: a ``cells`` x ``cells`` grid, row-major."""
    rows = np.minimum(np.arange(height) * cells // height, cells - 1)
    cols = np.minimum(np.arange(width) * cells // width, cells - 1)
    return rows[:, None] * cells + cols[None, :]


def lime_image(
    model: Model,
    image: np.ndarray,
    target: int,
    segments: np.ndarray | None = None,
    num_samples: int = 1000,
    kernel_width: float = 0.25,
    ridge: float = 1.0,
    hide_value: float = 0.0,
    generator: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""LIME for one image ``(C, H, W)``: a weight per superpixel and the ``(H, W)`` map of them.

    As ``lime_image.py``: ``num_samples`` binary masks $z \in \{0,1\}^S$ over the $S$
    superpixels (the first all ones, the original image), each hidden superpixel set to
    ``hide_value``; weights $\pi(z) = \sqrt{\exp(-d^2/\sigma^2)}$ with $d$ the cosine
    distance from the all-ones mask and $\sigma$ = ``kernel_width``; a ridge regression
    (penalty ``ridge``) of the score $F_c$ on $z$, weighted by $\pi$:

    $$\hat\beta = \arg\min_\beta \sum_j \pi_j\,(F_c(z_j) - \beta_0 - \beta^\top z_j)^2
    + \lambda\|\beta\|^2.$$

    ``segments`` ``(H, W)`` of superpixel ids ``0..S-1`` (default: a 4 x 4 grid).
    """
    image = np.asarray(image)
    H, W = image.shape[-2:]
    seg = grid_segments(H, W) if segments is None else np.asarray(segments)
    S = int(seg.max()) + 1
    rng = make_rng(generator)
    Z = rng.integers(0, 2, size=(num_samples, S))  # (n, S)
    Z[0] = 1
    on = Z[:, seg]  # (n, H, W): 1 where the superpixel is kept
    batch = np.where(on[:, None].astype(bool), image[None], hide_value).astype(image.dtype)
    with no_grad():
        scores = np.concatenate(
            [model(Tensor(batch[i : i + 256])).data[:, target] for i in range(0, num_samples, 256)]
        )  # (n,)
    # cosine distance to the all-ones mask: $1 - |z| / (\sqrt{|z|}\sqrt{S})$
    d = 1 - Z.sum(1) / np.maximum(np.sqrt(Z.sum(1)) * np.sqrt(S), 1e-12)
    pi = np.sqrt(np.exp(-(d**2) / kernel_width**2))  # (n,)
    # weighted ridge with an unpenalised intercept: centre by the weighted means
    zm = (pi[:, None] * Z).sum(0) / pi.sum()
    ym = (pi * scores).sum() / pi.sum()
    Zc, yc = Z - zm, scores - ym
    A = (Zc * pi[:, None]).T @ Zc + ridge * np.eye(S)  # (S, S)
    beta = np.linalg.solve(A, (Zc * pi[:, None]).T @ yc)  # (S,)
    return beta, beta[seg]


def gaussian_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Blur the last two axes with a Gaussian of width ``sigma`` pixels (separable, reflect)."""
    if sigma <= 0:
        return x
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    pad = [(0, 0)] * (x.ndim - 2) + [(r, r), (r, r)]
    xp = np.pad(x, pad, mode="reflect")
    # rows, then columns
    xp = sum(k[i] * xp[..., i : i + xp.shape[-2] - 2 * r, :] for i in range(2 * r + 1))
    return sum(k[i] * xp[..., :, i : i + xp.shape[-1] - 2 * r] for i in range(2 * r + 1))


def activation_maximization(
    model: Model,
    shape: tuple[int, ...],
    target: int,
    l2: float = 0.01,
    lr: float = 0.1,
    steps: int = 200,
    blur_sigma: float = 0.0,
    blur_every: int = 4,
    clip: tuple[float, float] | None = None,
    x0: np.ndarray | None = None,
) -> np.ndarray:
    r"""Gradient ascent on $F_c(x) - \lambda\|x\|^2$ from zeros: the input a class "wants".

    Each step is $x \leftarrow x + \eta(\nabla F_c(x) - 2\lambda x)$; every
    ``blur_every`` steps the image is blurred (``blur_sigma`` pixels, 0: never), which
    suppresses the high-frequency patterns the bare objective prefers; ``clip`` keeps
    pixels in a range. ``shape`` is one input's shape, e.g. ``(1, 28, 28)``.
    """
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    x = np.zeros((1, *shape)) if x0 is None else np.array(x0, dtype=np.float64)[None]
    for step in range(steps):
        g = score_gradient(model, x.astype(np.float64), target)
        # ascent on $F_c(x) - \lambda \|x\|^2$
        x = x + lr * (g - 2 * l2 * x)
        if blur_sigma > 0 and (step + 1) % blur_every == 0:
            x = gaussian_blur(x, blur_sigma)
        if clip is not None:
            x = np.clip(x, clip[0], clip[1])
    return x[0]
