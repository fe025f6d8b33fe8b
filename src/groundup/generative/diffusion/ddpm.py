r"""DDPM (Ho, Jain and Abbeel, 2020): noise the data in one jump, learn to predict the noise, walk back.

The recipe, top to bottom:

1. **Forward process** (no parameters): $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$,
   $\varepsilon \sim \mathcal{N}(0, I)$, $t \sim \mathcal{U}\{1, \dots, T\}$ (:func:`q_sample`).
2. **Loss** $L_\text{simple} = \mathbb{E}\,\lVert\varepsilon - \varepsilon_\theta(x_t, t)\rVert^2$
   (:func:`ddpm_loss`): the ELBO's KL terms, each between two Gaussians with the same
   variance, reduce to this squared error once their weights are dropped.
3. **Ancestral sampling** (:func:`ddpm_sample`): from $x_T \sim \mathcal{N}(0, I)$, for
   $t = T, \dots, 1$ draw $x_{t-1} \sim \mathcal{N}(\mu_\theta(x_t, t), \sigma_t^2 I)$ with the
   posterior mean written in $\varepsilon$,
   $\mu_\theta = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\varepsilon_\theta\big)$,
   and $\sigma_t^2 = \tilde\beta_t$ (the true posterior's variance; $\beta_t$ is the other
   choice of the paper). At $t = 1$ no noise is added.

Samplers take an ``eps_fn(x, t) -> eps`` on NumPy arrays (``x`` of shape ``(B, *D)``,
``t`` of shape ``(B,)`` with integer times in $[1, T]$); :func:`model_eps_fn` turns a
denoiser module such as :class:`MLPDenoiser` into one.

>>> s = NoiseSchedule.linear(1000)
>>> x0 = np.zeros((20000, 1))
>>> x_t = q_sample(s, x0, np.full(20000, 500), np.random.default_rng(0).standard_normal(x0.shape))
>>> round(1 - float(s.alpha_bar[500]), 3), bool(abs(x_t.var() - (1 - s.alpha_bar[500])) < 0.02)
(0.921, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.generative.diffusion.noise_schedule import NoiseSchedule
from groundup.nn_core.activations.sigmoid import silu
from groundup.nn_core.containers import ModuleList
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.optimization.losses.mse import mse_loss
from groundup.utils.seeding import make_rng

__all__ = [
    "MLPDenoiser",
    "ddpm_loss",
    "ddpm_sample",
    "ddpm_step",
    "model_eps_fn",
    "posterior_mean_variance",
    "predict_x0_from_eps",
    "q_sample",
    "timestep_embedding",
]

EpsFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _per_sample(values: np.ndarray, t: np.ndarray, ndim: int) -> np.ndarray:
    """``values[t]`` reshaped to ``(B, 1, ..., 1)`` so it broadcasts over a batch of ``ndim`` dims."""
    return values[t].reshape(t.shape + (1,) * (ndim - t.ndim))


def q_sample(schedule: NoiseSchedule, x0: np.ndarray, t: Any, noise: np.ndarray) -> np.ndarray:
    r"""A draw of $q(x_t \mid x_0)$: $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$.

    Parameters
    ----------
    x0 : array of shape ``(B, *D)``
    t : int array of shape ``(B,)``, values in ``[1, T]``
    noise : array of shape ``(B, *D)``, standard normal $\varepsilon$

    Returns
    -------
    array of shape ``(B, *D)``
    """
    x0 = np.asarray(x0)
    t = schedule.check_timesteps(t)
    if noise.shape != x0.shape:
        raise ValueError(f"q_sample: noise has shape {noise.shape}, x0 has shape {x0.shape}")
    # BEGIN SOLUTION ddpm
    a = _per_sample(schedule.alpha_bar, t, x0.ndim)  # (B, 1, ...)
    # $x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\varepsilon$ (the noise gets $\sqrt{1-\bar\alpha_t}$, not $\sqrt{\bar\alpha_t}$)
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * noise  # (B, *D)
    # END SOLUTION


def predict_x0_from_eps(
    schedule: NoiseSchedule, x_t: np.ndarray, t: Any, eps: np.ndarray
) -> np.ndarray:
    r"""$\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\varepsilon) / \sqrt{\bar\alpha_t}$, the forward process solved for $x_0$."""
    t = schedule.check_timesteps(t)
    # BEGIN SOLUTION ddpm
    a = _per_sample(schedule.alpha_bar, t, x_t.ndim)  # (B, 1, ...)
    return (x_t - np.sqrt(1.0 - a) * eps) / np.sqrt(a)  # (B, *D)
    # END SOLUTION


def posterior_mean_variance(
    schedule: NoiseSchedule, x0: np.ndarray, x_t: np.ndarray, t: Any
) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean $\tilde\mu_t(x_t, x_0)$, shape ``(B, *D)``, and variance $\tilde\beta_t$, shape ``(B, 1, ...)``, of $q(x_{t-1} \mid x_t, x_0)$."""
    t = schedule.check_timesteps(t)
    # BEGIN SOLUTION ddpm
    c0 = _per_sample(schedule.posterior_mean_coef_x0, t, x_t.ndim)  # (B, 1, ...)
    ct = _per_sample(schedule.posterior_mean_coef_xt, t, x_t.ndim)
    # $\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}x_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t$
    mean = c0 * x0 + ct * x_t  # (B, *D)
    return mean, _per_sample(schedule.posterior_variance, t, x_t.ndim)
    # END SOLUTION


def ddpm_step(
    schedule: NoiseSchedule,
    x_t: np.ndarray,
    t: Any,
    eps: np.ndarray,
    noise: np.ndarray,
    variance: str = "posterior",
) -> np.ndarray:
    r"""One ancestral step $x_t \to x_{t-1} = \mu_\theta(x_t, t) + \sigma_t z$.

    Parameters
    ----------
    x_t, eps, noise : arrays of shape ``(B, *D)``
        The current sample, the model's $\varepsilon_\theta(x_t, t)$ and a standard normal $z$.
    t : int array of shape ``(B,)``, values in ``[1, T]``
    variance : {"posterior", "beta"}
        $\sigma_t^2 = \tilde\beta_t$ (the true posterior's, exact when $x_0$ is one point) or
        $\beta_t$ (exact when $x_0 \sim \mathcal{N}(0, I)$). No noise at $t = 1$ either way.
    """
    t = schedule.check_timesteps(t)
    if variance not in ("posterior", "beta"):
        raise ValueError(f"variance must be 'posterior' or 'beta', got {variance!r}")
    # BEGIN SOLUTION ddpm
    alpha = _per_sample(schedule.alphas, t, x_t.ndim)  # (B, 1, ...)
    beta = _per_sample(schedule.betas, t, x_t.ndim)
    a_bar = _per_sample(schedule.alpha_bar, t, x_t.ndim)
    # $\mu_\theta = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\varepsilon_\theta\big)$
    mean = (x_t - beta / np.sqrt(1.0 - a_bar) * eps) / np.sqrt(alpha)  # (B, *D)
    var = _per_sample(
        schedule.posterior_variance if variance == "posterior" else schedule.betas, t, x_t.ndim
    )
    var = np.where(t.reshape(t.shape + (1,) * (x_t.ndim - 1)) > 1, var, 0.0)  # x_0 = mu at t = 1
    return mean + np.sqrt(var) * noise  # (B, *D)
    # END SOLUTION


def ddpm_sample(
    eps_fn: EpsFn,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    generator: Any = None,
    variance: str = "posterior",
    x_T: np.ndarray | None = None,
) -> np.ndarray:
    r"""Ancestral sampling: $x_T \sim \mathcal{N}(0, I)$, then :func:`ddpm_step` for $t = T, \dots, 1$.

    Returns ``x_0`` of shape ``shape`` = ``(B, *D)``; ``eps_fn`` is called $T$ times.

    >>> s = NoiseSchedule.linear(100)
    >>> x = ddpm_sample(lambda x, t: x * np.sqrt(1 - s.alpha_bar[t])[:, None], s, (3000, 1), 0)
    >>> round(float(x.std()), 1)  # the exact eps of N(0, I) data: samples keep unit variance
    1.0
    """
    rng = make_rng(generator)
    x = rng.standard_normal(shape) if x_T is None else np.array(x_T, dtype=np.float64)
    if x.shape != tuple(shape):
        raise ValueError(f"ddpm_sample: x_T has shape {x.shape}, expected {tuple(shape)}")
    for step in range(schedule.num_timesteps, 0, -1):
        t = np.full(shape[0], step)  # (B,)
        x = ddpm_step(schedule, x, t, eps_fn(x, t), rng.standard_normal(shape), variance)
    return x


def ddpm_loss(
    model: Module,
    schedule: NoiseSchedule,
    x0: np.ndarray,
    generator: Any = None,
    y: np.ndarray | None = None,
) -> Tensor:
    r"""$L_\text{simple} = \mathbb{E}_{t, \varepsilon}\lVert\varepsilon - \varepsilon_\theta(x_t, t)\rVert^2$ on a batch, averaged over elements.

    ``model(x_t, t, y)`` takes a Tensor ``(B, *D)``, times ``(B,)`` uniform on
    $\{1, \dots, T\}$ and labels (or None) and returns $\varepsilon_\theta$ as a Tensor ``(B, *D)``.
    """
    rng = make_rng(generator)
    x0 = np.asarray(x0)
    # BEGIN SOLUTION ddpm
    t = schedule.sample_timesteps(x0.shape[0], rng)  # (B,), in [1, T]
    eps = rng.standard_normal(x0.shape).astype(x0.dtype)  # (B, *D)
    x_t = q_sample(schedule, x0, t, eps).astype(x0.dtype)
    return mse_loss(model(Tensor(x_t), t, y), eps)
    # END SOLUTION


def model_eps_fn(model: Module, y: np.ndarray | None = None, dtype: Any = np.float32) -> EpsFn:
    """``eps_fn(x, t)`` for the samplers: ``model(x, t, y)`` without a graph, as a float64 array."""

    def eps_fn(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with no_grad():
            return np.asarray(model(Tensor(x.astype(dtype)), t, y).data, dtype=np.float64)

    return eps_fn


def timestep_embedding(t: Any, dim: int, max_period: float = 10000.0) -> np.ndarray:
    r"""$[\cos(t\,\omega_i), \sin(t\,\omega_i)]$ with $\omega_i = P^{-i/(d/2)}$: shape ``(B, dim)`` (``dim`` even).

    >>> timestep_embedding(np.array([0, 1]), 4).round(3).tolist()
    [[1.0, 1.0, 0.0, 0.0], [0.54, 1.0, 0.841, 0.01]]
    """
    if dim % 2:
        raise ValueError(f"timestep_embedding: dim must be even, got {dim}")
    half = dim // 2
    omega = max_period ** (-np.arange(half, dtype=np.float64) / half)  # (dim/2,)
    angle = np.asarray(t, dtype=np.float64)[:, None] * omega[None, :]  # (B, dim/2)
    return np.concatenate([np.cos(angle), np.sin(angle)], axis=1)  # (B, dim)


class MLPDenoiser(Module):
    r"""$\varepsilon_\theta(x, t, y)$ for flat data: residual SiLU blocks, a sinusoidal time embedding, an optional label.

    $h_0 = W_x x + W_t\,\mathrm{emb}(t) + E[y]$, $h_{k+1} = h_k + W_k\,\mathrm{SiLU}(h_k)$,
    output $W_o\,\mathrm{SiLU}(h_K)$. With ``num_classes`` = C the label table has C + 1
    rows: row C is the "no label" $\varnothing$ of classifier-free guidance (pass ``y=None``
    or ``y == C``).

    Shapes: ``x`` ``(B, D)``, ``t`` ``(B,)``, ``y`` ``(B,)`` or None; output ``(B, D)``.

    >>> net = MLPDenoiser(2, hidden=8, num_blocks=2, num_classes=3, generator=np.random.default_rng(0))
    >>> net(Tensor(np.zeros((4, 2), dtype=np.float32)), np.array([1, 2, 3, 4]), None).shape
    (4, 2)
    """

    def __init__(
        self,
        in_features: int,
        hidden: int = 256,
        num_blocks: int = 3,
        time_dim: int = 64,
        num_classes: int | None = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        self.in_features, self.time_dim, self.num_classes = in_features, time_dim, num_classes
        self.inp = Linear(in_features, hidden, generator=rng)
        self.time = Linear(time_dim, hidden, generator=rng)
        self.label = Embedding(num_classes + 1, hidden, generator=rng) if num_classes else None
        self.blocks = ModuleList([Linear(hidden, hidden, generator=rng) for _ in range(num_blocks)])
        self.out = Linear(hidden, in_features, generator=rng)

    def forward(self, x: Tensor, t: Any, y: Any = None) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"MLPDenoiser: x must be (B, {self.in_features}), got {x.shape}")
        emb = timestep_embedding(t, self.time_dim).astype(x.dtype)  # (B, time_dim)
        h = self.inp(x) + self.time(Tensor(emb))  # (B, hidden)
        if self.label is not None:
            labels = np.full(x.shape[0], self.num_classes) if y is None else np.asarray(y)
            h = h + self.label(labels)
        for block in self.blocks:
            h = h + block(silu(h))
        return self.out(silu(h))  # (B, D)
