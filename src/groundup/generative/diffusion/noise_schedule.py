r"""Noise schedules of a diffusion model: $\beta_t$ and everything derived from it.

The forward process adds Gaussian noise in $T$ steps, $q(x_t \mid x_{t-1}) =
\mathcal{N}(\sqrt{1-\beta_t}\,x_{t-1}, \beta_t I)$. With $\alpha_t = 1-\beta_t$ and
$\bar\alpha_t = \prod_{s\le t}\alpha_s$ it has a closed form in one jump,
$q(x_t \mid x_0) = \mathcal{N}(\sqrt{\bar\alpha_t}\,x_0, (1-\bar\alpha_t) I)$, and the
posterior of one step back is Gaussian too,
$q(x_{t-1} \mid x_t, x_0) = \mathcal{N}(\tilde\mu_t, \tilde\beta_t I)$ with

$$\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}x_0
  + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t, \qquad
  \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t .$$

**Indexing.** Time runs over $t = 1, \dots, T$, as in the papers. Every array here has
$T+1$ entries and is indexed by $t$ itself: entry 0 is $t = 0$, clean data, where
$\beta_0 = 0$ and $\bar\alpha_0 = 1$ (so ``alpha_bar[t]`` is $\bar\alpha_t$, and
$\bar\alpha_{t-1}$ is ``alpha_bar[t - 1]`` with no special case at $t = 1$).
Hugging Face ``diffusers`` counts from 0: its ``alphas_cumprod[k]`` is our
``alpha_bar[k + 1]``.

Two schedules:

* **linear** (Ho et al., 2020): $\beta_t$ evenly spaced from $10^{-4}$ to $0.02$ for $T=1000$;
* **cosine** (Nichol and Dhariwal, 2021): $\bar\alpha_t = f(t)/f(0)$ with
  $f(t) = \cos^2\!\big(\tfrac{t/T + s}{1+s}\cdot\tfrac{\pi}{2}\big)$, $s = 0.008$, and
  $\beta_t = \min(1 - \bar\alpha_t/\bar\alpha_{t-1},\ 0.999)$. Without the clip
  $\beta_T = 1$ and the last step would divide by $\sqrt{\alpha_T} = 0$.

>>> s = NoiseSchedule.linear(1000)
>>> round(float(s.alpha_bar[500]), 3), f"{s.alpha_bar[1000]:.1e}"
(0.079, '4.0e-05')
>>> c = NoiseSchedule.cosine(1000)
>>> round(float(c.alpha_bar[500]), 3), float(c.betas[1000])
(0.494, 0.999)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["NoiseSchedule", "cosine_betas", "linear_betas"]


def linear_betas(
    num_timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02
) -> np.ndarray:
    r"""$\beta_1, \dots, \beta_T$ evenly spaced from ``beta_start`` to ``beta_end``: shape ``(T,)``.

    >>> linear_betas(3, 0.1, 0.3).round(3).tolist()
    [0.1, 0.2, 0.3]
    """
    _check_T(num_timesteps)
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(
            f"linear_betas: need 0 < beta_start <= beta_end < 1, got beta_start={beta_start}, "
            f"beta_end={beta_end}"
        )
    return np.linspace(beta_start, beta_end, num_timesteps, dtype=np.float64)  # (T,)


def cosine_betas(num_timesteps: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    r"""The cosine schedule's $\beta_1, \dots, \beta_T$, clipped at ``max_beta``: shape ``(T,)``.

    >>> b = cosine_betas(1000)
    >>> f"{b[0]:.1e}", float(b[-1])
    ('4.1e-05', 0.999)
    """
    _check_T(num_timesteps)
    if s < 0 or not 0 < max_beta <= 1:
        raise ValueError(
            f"cosine_betas: need s >= 0 and 0 < max_beta <= 1, got s={s}, max_beta={max_beta}"
        )
    # BEGIN SOLUTION noise-schedule
    t = np.arange(num_timesteps + 1, dtype=np.float64)  # (T+1,) = 0, ..., T
    # $f(t) = \cos^2\big(\frac{t/T + s}{1+s}\cdot\frac{\pi}{2}\big)$, $\bar\alpha_t = f(t)/f(0)$
    f = np.cos((t / num_timesteps + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bar = f / f[0]  # (T+1,)
    # $\beta_t = \min(1 - \bar\alpha_t/\bar\alpha_{t-1},\ \beta_{\max})$
    return np.minimum(1 - alpha_bar[1:] / alpha_bar[:-1], max_beta)  # (T,)
    # END SOLUTION


def _check_T(num_timesteps: Any) -> None:
    if not isinstance(num_timesteps, int | np.integer) or num_timesteps < 1:
        raise ValueError(f"num_timesteps must be a positive integer, got {num_timesteps!r}")


class NoiseSchedule:
    r"""$\beta_t$, $\alpha_t$, $\bar\alpha_t$, the posterior's $\tilde\beta_t$ and coefficients, and SNR.

    Parameters
    ----------
    betas : array of shape ``(T,)``
        $\beta_1, \dots, \beta_T$, each in $(0, 1]$ (the last may be 1 only if you never
        divide by $\sqrt{\alpha_T}$; the schedules here keep it below 1).

    Attributes (all float64 arrays of shape ``(T+1,)``, indexed by $t = 0, \dots, T$)
    ----------
    betas, alphas, alpha_bar
        $\beta_t$ (with $\beta_0 = 0$), $\alpha_t = 1 - \beta_t$, $\bar\alpha_t = \prod_{s \le t}\alpha_s$.
    posterior_variance
        $\tilde\beta_t$; $\tilde\beta_1 = 0$, since $x_0$ is known given $x_1$ and $x_0$.
    posterior_mean_coef_x0, posterior_mean_coef_xt
        the two coefficients of $\tilde\mu_t$ above (entry 0 is unused and set to 0).
    snr
        $\mathrm{SNR}(t) = \bar\alpha_t / (1 - \bar\alpha_t)$ ($+\infty$ at $t = 0$).

    >>> s = NoiseSchedule(np.array([0.5, 0.5]))
    >>> s.alpha_bar.tolist(), s.posterior_variance.round(4).tolist()
    ([1.0, 0.5, 0.25], [0.0, 0.0, 0.3333])
    """

    def __init__(self, betas: Any) -> None:
        b = np.asarray(betas, dtype=np.float64)
        if b.ndim != 1 or b.size == 0:
            raise ValueError(f"betas must be a non-empty 1-D array, got shape {b.shape}")
        if not (np.all(b > 0) and np.all(b <= 1)):
            raise ValueError(f"betas must lie in (0, 1]; got min {b.min():.3g}, max {b.max():.3g}")
        self.num_timesteps = T = b.size
        self.betas = np.concatenate([[0.0], b])  # (T+1,)
        # BEGIN SOLUTION noise-schedule
        # $\alpha_t = 1 - \beta_t$
        self.alphas = 1.0 - self.betas  # (T+1,)
        # $\bar\alpha_t = \prod_{s=1}^t \alpha_s$, and $\bar\alpha_0 = 1$
        self.alpha_bar = np.cumprod(self.alphas)  # (T+1,)
        alpha_bar_prev = np.concatenate([[1.0], self.alpha_bar[:-1]])  # (T+1,) = alpha_bar[t-1]
        one_minus = 1.0 - self.alpha_bar  # (T+1,); 0 at t = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            # $\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t$
            self.posterior_variance = np.where(
                np.arange(T + 1) == 0, 0.0, (1.0 - alpha_bar_prev) / one_minus * self.betas
            )
            # $\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}x_0
            #   + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t$
            self.posterior_mean_coef_x0 = np.where(
                one_minus > 0, np.sqrt(alpha_bar_prev) * self.betas / one_minus, 0.0
            )
            self.posterior_mean_coef_xt = np.where(
                one_minus > 0, np.sqrt(self.alphas) * (1.0 - alpha_bar_prev) / one_minus, 0.0
            )
            # $\mathrm{SNR}(t) = \bar\alpha_t / (1 - \bar\alpha_t)$
            self.snr = self.alpha_bar / one_minus
        # END SOLUTION

    @classmethod
    def linear(
        cls, num_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02
    ) -> NoiseSchedule:
        """The linear schedule of Ho et al. (2020): :func:`linear_betas`."""
        return cls(linear_betas(num_timesteps, beta_start, beta_end))

    @classmethod
    def cosine(
        cls, num_timesteps: int = 1000, s: float = 0.008, max_beta: float = 0.999
    ) -> NoiseSchedule:
        """The cosine schedule of Nichol and Dhariwal (2021): :func:`cosine_betas`."""
        return cls(cosine_betas(num_timesteps, s, max_beta))

    def check_timesteps(self, t: Any, allow_zero: bool = False) -> np.ndarray:
        """``t`` as an int array, or a ValueError naming the values outside ``[1, T]`` (``[0, T]``)."""
        t = np.asarray(t)
        if t.dtype.kind not in "iu":
            raise ValueError(f"timesteps t must be integers, got dtype {t.dtype}")
        lo = 0 if allow_zero else 1
        bad = (t < lo) | (t > self.num_timesteps)
        if np.any(bad):
            raise ValueError(
                f"timesteps t must lie in [{lo}, {self.num_timesteps}]; got {t[bad][:5].tolist()}"
            )
        return t.astype(np.int64)

    def sample_timesteps(self, n: int, generator: np.random.Generator) -> np.ndarray:
        r"""``n`` timesteps uniform on $\{1, \dots, T\}$ (both ends included): shape ``(n,)``."""
        return generator.integers(1, self.num_timesteps + 1, size=n)

    def __repr__(self) -> str:
        return f"NoiseSchedule(T={self.num_timesteps}, beta_1={self.betas[1]:.3g}, beta_T={self.betas[-1]:.3g})"
