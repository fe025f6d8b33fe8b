r"""Gradient clipping: bound the size of a step before it is taken.

A single bad batch, or a recurrent network unrolled over many steps, can produce a
gradient orders of magnitude larger than usual ("exploding gradients"); one step along it
throws the parameters far away. Two remedies, as in ``torch.nn.utils``:

* **clip by norm** — treat all gradients as one vector $g$ and rescale it when its norm
  exceeds $c$ (``max_norm``), keeping its direction:

  $$\|g\|_p = \Big(\sum_i \|g_i\|_p^p\Big)^{1/p}, \qquad
    g \leftarrow g \cdot \min\!\Big(1, \frac{c}{\|g\|_p + 10^{-6}}\Big),$$

  with $\|g\|_\infty = \max_i |g_i|$;
* **clip by value** — clamp each entry to $[-c, c]$ (changes the direction).

>>> import numpy as np
>>> from groundup import Tensor
>>> w = Tensor(np.zeros(2), requires_grad=True)
>>> w.grad = Tensor(np.array([3.0, 4.0]))
>>> float(clip_grad_norm_([w], max_norm=1.0))      # the norm before clipping
5.0
>>> np.round(w.grad.data, 6).tolist()
[0.6, 0.8]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from groundup.foundations.computational_graph import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    """The gradient arrays of the parameters that have one."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad.data for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    r"""Rescale the gradients in place so that their joint $p$-norm is at most ``max_norm``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clipped (those without a gradient are skipped).
    max_norm : float
        $c$, the largest allowed norm.
    norm_type : float
        $p$; ``float("inf")`` for the largest absolute entry.
    error_if_nonfinite : bool
        Raise if the norm is ``nan`` or ``inf`` (otherwise the gradients become ``nan``).

    Returns
    -------
    Tensor
        The 0-d total norm $\|g\|_p$ of the gradients *before* clipping (useful to log).
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    # BEGIN SOLUTION
    dtype = np.result_type(*grads)
    if norm_type == np.inf:
        # $\|g\|_\infty = \max_i |g_i|$
        total_norm = max(np.max(np.abs(g), initial=0.0) for g in grads)
    else:
        # $\|g\|_p = (\sum_i \|g_i\|_p^p)^{1/p}$ (the norm of the per-tensor norms)
        norms = np.array([np.linalg.norm(g.ravel(), ord=norm_type) for g in grads])
        total_norm = np.linalg.norm(norms, ord=norm_type)
    total_norm = np.asarray(total_norm, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"{float(total_norm)}, so it cannot be clipped. Set error_if_nonfinite=False to "
            "clip anyway (the gradients become nan)."
        )
    # $g \leftarrow g \cdot \min(1, c / (\|g\|_p + 10^{-6}))$
    clip_coef = min(max_norm / (total_norm + 1e-6), 1.0)
    for g in grads:
        g *= np.asarray(clip_coef, dtype=g.dtype)
    return Tensor(total_norm)
    # END SOLUTION


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    r"""Clamp every gradient entry in place to $[-c, c]$ (``clip_value`` $= c$)."""
    if clip_value < 0:
        raise ValueError(f"clip_value must be non-negative, got {clip_value}")
    # BEGIN SOLUTION
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
    # END SOLUTION


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
