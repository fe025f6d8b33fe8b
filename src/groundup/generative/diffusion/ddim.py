r"""DDIM (Song, Meng and Ermon, 2021): the same trained $\varepsilon_\theta$, sampled in fewer steps.

DDIM keeps DDPM's marginals $q(x_t \mid x_0)$ but chooses a non-Markovian forward
process whose reverse step from $t$ to an earlier $s$ (not necessarily $t-1$) is

$$x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1 - \bar\alpha_s - \sigma^2}\,\varepsilon_\theta(x_t, t) + \sigma z,
\qquad \hat x_0 = \frac{x_t - \sqrt{1-\bar\alpha_t}\,\varepsilon_\theta}{\sqrt{\bar\alpha_t}},$$

$$\sigma = \eta\sqrt{\frac{1-\bar\alpha_s}{1-\bar\alpha_t}}\sqrt{1 - \frac{\bar\alpha_t}{\bar\alpha_s}} .$$

* $\eta = 0$: deterministic. The same $x_T$ always gives the same $x_0$, and running the
  steps the other way (:func:`ddim_invert`) maps data to its noise.
* $\eta = 1$ with consecutive steps ($s = t-1$): $\sigma^2 = \tilde\beta_t$ and the mean is
  DDPM's posterior mean, so DDIM is DDPM's ancestral sampler.

The steps run on a subsequence $\tau_1 < \dots < \tau_S = T$ of $\{1, \dots, T\}$ (evenly
spaced, :func:`ddim_timesteps`), and the last step goes to $s = 0$ where $\bar\alpha_0 = 1$,
so it returns $\hat x_0$.

>>> s = NoiseSchedule.linear(1000)
>>> ddim_timesteps(1000, 5).tolist()
[200, 400, 600, 800, 1000]
>>> x = ddim_sample(lambda x, t: x * np.sqrt(1 - s.alpha_bar[t])[:, None], s, (2000, 1), 50, generator=0)
>>> round(float(x.std()), 1)  # exact eps of N(0, I) data, 50 deterministic steps
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.generative.diffusion.ddpm import EpsFn, predict_x0_from_eps
from groundup.generative.diffusion.noise_schedule import NoiseSchedule
from groundup.utils.seeding import make_rng

__all__ = ["ddim_invert", "ddim_sample", "ddim_sigma", "ddim_step", "ddim_timesteps"]


def ddim_timesteps(num_timesteps: int, num_steps: int) -> np.ndarray:
    r"""$\tau_1 < \dots < \tau_S = T$, evenly spaced in $[1, T]$: int array of shape ``(S,)``.

    With ``num_steps == num_timesteps`` it is ``1, 2, ..., T``.
    """
    if not isinstance(num_steps, int | np.integer) or not 1 <= num_steps <= num_timesteps:
        raise ValueError(f"num_steps must be an integer in [1, {num_timesteps}], got {num_steps!r}")
    # round(i T / S) for i = 1..S: distinct because T / S >= 1
    return np.rint(np.arange(1, num_steps + 1) * num_timesteps / num_steps).astype(np.int64)  # (S,)


def ddim_sigma(schedule: NoiseSchedule, t: Any, t_prev: Any, eta: float) -> np.ndarray:
    r"""$\sigma = \eta\sqrt{(1-\bar\alpha_s)/(1-\bar\alpha_t)}\sqrt{1-\bar\alpha_t/\bar\alpha_s}$ for the step $t \to s$."""
    a_t, a_s = schedule.alpha_bar[t], schedule.alpha_bar[t_prev]
    # BEGIN SOLUTION ddim
    return eta * np.sqrt((1.0 - a_s) / (1.0 - a_t) * (1.0 - a_t / a_s))
    # END SOLUTION


def ddim_step(
    schedule: NoiseSchedule,
    x_t: np.ndarray,
    t: Any,
    t_prev: Any,
    eps: np.ndarray,
    eta: float = 0.0,
    noise: np.ndarray | None = None,
) -> np.ndarray:
    r"""One DDIM step $x_t \to x_s$, $s$ = ``t_prev`` $< t$.

    Parameters
    ----------
    x_t, eps : arrays of shape ``(B, *D)``
        The current sample and $\varepsilon_\theta(x_t, t)$.
    t, t_prev : int arrays of shape ``(B,)``
        $t \in [1, T]$ and $s \in [0, t)$.
    eta : float
        0 for the deterministic sampler, 1 for DDPM's variance.
    noise : array of shape ``(B, *D)`` or None
        The standard normal $z$; needed only when ``eta > 0``.
    """
    t = schedule.check_timesteps(t)
    t_prev = schedule.check_timesteps(t_prev, allow_zero=True)
    if np.any(t_prev >= t):
        raise ValueError(
            f"ddim_step: t_prev must be < t, got t={t.tolist()[:5]}, t_prev={t_prev.tolist()[:5]}"
        )
    if eta < 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    if eta > 0 and noise is None:
        raise ValueError("ddim_step: eta > 0 needs a noise array")
    shape = t.shape + (1,) * (x_t.ndim - t.ndim)
    # BEGIN SOLUTION ddim
    a_s = schedule.alpha_bar[t_prev].reshape(shape)  # (B, 1, ...)
    sigma = ddim_sigma(schedule, t, t_prev, eta).reshape(shape)
    x0_hat = predict_x0_from_eps(schedule, x_t, t, eps)  # (B, *D)
    # $x_s = \sqrt{\bar\alpha_s}\hat x_0 + \sqrt{1-\bar\alpha_s-\sigma^2}\,\varepsilon_\theta + \sigma z$
    x_s = np.sqrt(a_s) * x0_hat + np.sqrt(np.maximum(1.0 - a_s - sigma**2, 0.0)) * eps
    return x_s + sigma * noise if eta > 0 else x_s  # (B, *D)
    # END SOLUTION


def ddim_sample(
    eps_fn: EpsFn,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    num_steps: int,
    eta: float = 0.0,
    generator: Any = None,
    x_T: np.ndarray | None = None,
) -> np.ndarray:
    r"""DDIM sampling on :func:`ddim_timesteps`: ``num_steps`` calls of ``eps_fn``, from $t = T$ down to $s = 0$.

    Returns ``x_0`` of shape ``shape`` = ``(B, *D)``.
    """
    rng = make_rng(generator)
    x = rng.standard_normal(shape) if x_T is None else np.array(x_T, dtype=np.float64)
    if x.shape != tuple(shape):
        raise ValueError(f"ddim_sample: x_T has shape {x.shape}, expected {tuple(shape)}")
    taus = ddim_timesteps(schedule.num_timesteps, num_steps)
    prevs = np.concatenate([[0], taus[:-1]])
    for step, prev in zip(taus[::-1], prevs[::-1], strict=True):
        t, t_prev = np.full(shape[0], step), np.full(shape[0], prev)  # (B,)
        noise = rng.standard_normal(shape) if eta > 0 else None
        x = ddim_step(schedule, x, t, t_prev, eps_fn(x, t), eta, noise)
    return x


def ddim_invert(
    eps_fn: EpsFn, schedule: NoiseSchedule, x0: np.ndarray, num_steps: int
) -> np.ndarray:
    r"""Deterministic DDIM run forwards: data $x_0$ to the $x_T$ that :func:`ddim_sample` (η = 0) maps back to it.

    Each step $s \to t$ solves the η = 0 step for $x_t$, using
    $\varepsilon_\theta(x_s, t) \approx \varepsilon_\theta(x_t, t)$ (the model cannot be asked
    at the unknown $x_t$); the round trip is exact as the steps shrink.
    """
    x = np.array(x0, dtype=np.float64)
    taus = ddim_timesteps(schedule.num_timesteps, num_steps)
    prevs = np.concatenate([[0], taus[:-1]])
    for step, prev in zip(taus, prevs, strict=True):
        t = np.full(x.shape[0], step)  # (B,)
        eps = eps_fn(x, t)
        a_t, a_s = schedule.alpha_bar[step], schedule.alpha_bar[prev]
        # $\hat x_0 = (x_s - \sqrt{1-\bar\alpha_s}\varepsilon)/\sqrt{\bar\alpha_s}$, then $x_t = \sqrt{\bar\alpha_t}\hat x_0 + \sqrt{1-\bar\alpha_t}\varepsilon$
        x0_hat = (x - np.sqrt(1.0 - a_s) * eps) / np.sqrt(a_s)
        x = np.sqrt(a_t) * x0_hat + np.sqrt(1.0 - a_t) * eps
    return x
