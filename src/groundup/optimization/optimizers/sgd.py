r"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

One step, for each parameter $\theta$ with gradient $\nabla_\theta f$ (PyTorch's order):

$$\begin{aligned}
g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
  &&\text{(minus to maximise; } \lambda \text{: weight decay, an L2 penalty)}\\
b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t, \quad b_1 = g_t &&\text{(if } \mu \ne 0\text{)}\\
d_t &= g_t + \mu\, b_t \text{ (Nesterov)}, \text{ else } b_t \text{ (or } g_t \text{ if } \mu = 0)\\
\theta_t &= \theta_{t-1} - \eta\, d_t
\end{aligned}$$

The momentum rules are explained in :mod:`groundup.optimization.optimizers.momentum`.

>>> import numpy as np
>>> from groundup import Tensor
>>> w = Tensor(np.array([1.0]), requires_grad=True)
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()        # g = 2w
...     opt.step()
>>> round(w.item(), 6)                  # 1 - 0.2 = 0.8; b = 0.9*2 + 1.6 = 3.4; 0.8 - 0.34
0.46
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from groundup.foundations.autograd import no_grad
from groundup.optimization.optimizers.momentum import heavy_ball, nesterov_direction
from groundup.optimization.optimizers.optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    r"""Stochastic gradient descent (``torch.optim.SGD``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters, or parameter groups.
    lr : float
        Learning rate $\eta$.
    momentum : float
        Momentum $\mu$ (0 disables it).
    dampening : float
        Dampening $\tau$ of the gradient added to the velocity.
    weight_decay : float
        $\lambda$: adds $\lambda\theta$ to the gradient (L2 regularisation).
    nesterov : bool
        Nesterov momentum (needs $\mu > 0$ and $\tau = 0$).
    maximize : bool
        Ascend $f$ instead of descending.

    State per parameter: ``"momentum_buffer"`` $b_t$ (when $\mu \ne 0$).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={momentum}, dampening={dampening})"
            )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Take one step for every parameter that has a gradient; returns ``closure()``."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                # BEGIN SOLUTION
                theta = p.data
                g = self._grad(p, group["maximize"])
                if weight_decay != 0:
                    # $g_t \mathrel{+}= \lambda\,\theta_{t-1}$
                    g = g + weight_decay * theta
                if mu != 0:
                    state = self.state.setdefault(p, {})
                    # $b_t = \mu\, b_{t-1} + (1-\tau)\, g_t$
                    b = heavy_ball(state.get("momentum_buffer"), g, mu, tau)
                    state["momentum_buffer"] = b
                    # $d_t = g_t + \mu b_t$ (Nesterov) or $b_t$
                    g = nesterov_direction(g, b, mu) if group["nesterov"] else b
                # $\theta_t = \theta_{t-1} - \eta\, d_t$
                theta -= lr * g
                # END SOLUTION
        return loss


class Momentum(SGD):
    r"""SGD with heavy-ball momentum: $b_t = \mu b_{t-1} + (1-\tau) g_t$, $\theta_t = \theta_{t-1} - \eta b_t$.

    ``Momentum(params, lr, momentum=0.9)`` is ``SGD(params, lr, momentum=0.9)``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.9,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, momentum, dampening, weight_decay, nesterov=False, maximize=maximize
        )


class NesterovMomentum(SGD):
    r"""SGD with Nesterov momentum: $b_t = \mu b_{t-1} + g_t$, $\theta_t = \theta_{t-1} - \eta(g_t + \mu b_t)$.

    ``NesterovMomentum(params, lr, momentum=0.9)`` is ``SGD(params, lr, momentum=0.9,
    nesterov=True)``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, momentum, 0.0, weight_decay, nesterov=True, maximize=maximize)


__all__ = ["SGD", "Momentum", "NesterovMomentum"]
