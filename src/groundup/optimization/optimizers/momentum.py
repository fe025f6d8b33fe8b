r"""Momentum: heavy-ball (Polyak) and Nesterov, as update rules on arrays.

Plain gradient descent, $\theta_t = \theta_{t-1} - \eta\,g_t$, zig-zags across a narrow
valley and crawls along its floor. **Momentum** keeps a running direction, the *velocity*
(PyTorch's ``momentum_buffer``) $b_t$, so that steps that agree add up and steps that
alternate cancel:

$$b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t,$$

with momentum $\mu$ (typically 0.9) and dampening $\tau$ (usually 0). On the first step
$b_1 = g_1$ (no dampening). In a valley of constant slope $g$ the velocity tends to
$g(1-\tau)/(1-\mu)$: momentum 0.9 moves ten times faster along a consistent direction.
(The classical form $v_t = \mu v_{t-1} - \eta g_t$, $\theta_t = \theta_{t-1} + v_t$ is
the same trajectory with $v = -\eta b$ while $\eta$ is constant; PyTorch's form, with
$\eta$ outside the velocity, differs when a scheduler changes $\eta$.)

**Nesterov momentum** looks ahead. Sutskever et al. (2013) evaluate the gradient where
the velocity is about to carry the parameters,
$v_t = \mu v_{t-1} - \eta\nabla f(\theta_{t-1} + \mu v_{t-1})$,
$\theta_t = \theta_{t-1} + v_t$. Keeping the look-ahead point $\theta + \mu v$ as the
parameters instead (so the gradient is taken at the parameters, as usual) and writing
$v = -\eta b$ gives PyTorch's rule: step along the gradient *plus* the new velocity,

$$b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t).$$

The functions here are the rules themselves, on NumPy arrays; :class:`SGD` applies them to
every parameter (``SGD(params, lr, momentum=0.9, nesterov=True)``), and
:class:`~groundup.optimization.optimizers.sgd.Momentum` and
:class:`~groundup.optimization.optimizers.sgd.NesterovMomentum` are ``SGD`` with the option set.

>>> import numpy as np
>>> b = heavy_ball(None, np.array([1.0]), momentum=0.9)    # b_1 = g_1
>>> b = heavy_ball(b, np.array([1.0]), momentum=0.9)       # b_2 = 0.9 + 1
>>> b.tolist()
[1.9]
>>> nesterov_direction(np.array([1.0]), b, momentum=0.9).tolist()   # g + 0.9 b
[2.71]
"""

from __future__ import annotations

import numpy as np


def heavy_ball(
    b: np.ndarray | None, g: np.ndarray, momentum: float, dampening: float = 0.0
) -> np.ndarray:
    r"""Update the velocity in place: $b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t$; $b_1 = g_1$.

    Parameters
    ----------
    b : ndarray or None
        The velocity $b_{t-1}$ (any shape), or ``None`` on the first step.
    g : ndarray
        The gradient $g_t$, the same shape.
    momentum, dampening : float
        $\mu$ and $\tau$.

    Returns
    -------
    ndarray
        $b_t$ (the same array as ``b`` when one was given).
    """
    # BEGIN SOLUTION
    if b is None:
        return np.array(g, copy=True)
    b *= momentum
    b += g if dampening == 0 else (1.0 - dampening) * g
    return b
    # END SOLUTION


def nesterov_direction(g: np.ndarray, b: np.ndarray, momentum: float) -> np.ndarray:
    r"""The look-ahead direction $g_t + \mu\, b_t$ (the step is $-\eta$ times it)."""
    # BEGIN SOLUTION
    return g + momentum * b
    # END SOLUTION


__all__ = ["heavy_ball", "nesterov_direction"]
