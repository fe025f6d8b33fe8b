r"""Classifier-free guidance (Ho and Salimans, 2021): one network, conditional and unconditional.

**Training.** Each label is replaced by the "no label" token $\varnothing$ with probability
$p_\text{uncond}$ (0.1 in the paper), so the same $\varepsilon_\theta$ learns both
$\varepsilon(x_t, t, c)$ and $\varepsilon(x_t, t, \varnothing)$ (:func:`drop_labels`,
:func:`cfg_loss`).

**Sampling.** Replace $\varepsilon_\theta$ by

$$\tilde\varepsilon = (1 + w)\,\varepsilon(x_t, t, c) - w\,\varepsilon(x_t, t, \varnothing)
 = \varepsilon_\varnothing + (1 + w)(\varepsilon_c - \varepsilon_\varnothing),$$

which follows the score of $p(x \mid c)\,p(c \mid x)^{w}$: $w = 0$ is the plain conditional
model, $w > 0$ trades diversity for samples the implicit classifier is surer about. (Some
code writes $s = 1 + w$ for the same thing.) :func:`cfg_eps_fn` gives an ``eps_fn`` for
:func:`~groundup.generative.diffusion.ddpm.ddpm_sample` and
:func:`~groundup.generative.diffusion.ddim.ddim_sample` that runs the two passes as one batch.

>>> guided_eps(np.array([1.0]), np.array([0.0]), w=2.0).tolist()
[3.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor, cat
from groundup.generative.diffusion.ddpm import EpsFn, ddpm_loss
from groundup.generative.diffusion.noise_schedule import NoiseSchedule
from groundup.nn_core.module import Module
from groundup.utils.seeding import make_rng

__all__ = ["cfg_eps_fn", "cfg_loss", "drop_labels", "guided_eps"]


def guided_eps(eps_cond: Any, eps_uncond: Any, w: float) -> Any:
    r"""$\tilde\varepsilon = (1+w)\,\varepsilon_c - w\,\varepsilon_\varnothing$ (arrays or Tensors of one shape)."""
    # BEGIN SOLUTION classifier-free-guidance
    return eps_cond * (1.0 + w) - eps_uncond * w
    # END SOLUTION


def drop_labels(y: Any, p_uncond: float, null_label: int, generator: Any = None) -> np.ndarray:
    r"""``y`` with each entry replaced by ``null_label`` with probability ``p_uncond``: shape ``(B,)``.

    >>> drop_labels(np.array([3, 1, 4]), 1.0, null_label=10).tolist()
    [10, 10, 10]
    """
    if not 0.0 <= p_uncond <= 1.0:
        raise ValueError(f"p_uncond must be in [0, 1], got {p_uncond}")
    y = np.asarray(y)
    # BEGIN SOLUTION classifier-free-guidance
    drop = make_rng(generator).random(y.shape) < p_uncond  # (B,), True with probability p
    return np.where(drop, null_label, y)
    # END SOLUTION


def cfg_loss(
    model: Module,
    schedule: NoiseSchedule,
    x0: np.ndarray,
    y: np.ndarray,
    p_uncond: float = 0.1,
    null_label: int | None = None,
    generator: Any = None,
) -> Tensor:
    r"""$L_\text{simple}$ with labels dropped to $\varnothing$ at rate ``p_uncond``.

    ``null_label`` defaults to ``model.num_classes`` (the extra row of
    :class:`~groundup.generative.diffusion.ddpm.MLPDenoiser`'s label table).
    """
    rng = make_rng(generator)
    null = model.num_classes if null_label is None else null_label
    return ddpm_loss(model, schedule, x0, rng, drop_labels(y, p_uncond, null, rng))


def cfg_eps_fn(
    model: Module, y: np.ndarray, w: float, null_label: int | None = None, dtype: Any = np.float32
) -> EpsFn:
    r"""``eps_fn(x, t)`` returning $\tilde\varepsilon$ for labels ``y`` ``(B,)``: one forward pass on a ``(2B, *D)`` batch."""
    y = np.asarray(y)
    null = model.num_classes if null_label is None else null_label

    def eps_fn(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        B = x.shape[0]
        xt = Tensor(x.astype(dtype))
        with no_grad():
            # BEGIN SOLUTION classifier-free-guidance
            both = model(
                cat([xt, xt], dim=0), np.concatenate([t, t]), np.concatenate([y, np.full(B, null)])
            )
            eps = np.asarray(both.data, dtype=np.float64)  # (2B, *D)
            return guided_eps(eps[:B], eps[B:], w)  # (B, *D)
            # END SOLUTION

    return eps_fn
