r"""Adagrad: step sizes that shrink with the sum of all past squared gradients.

Duchi, Hazan & Singer (2011). Each parameter accumulates its squared gradients, $G$
(PyTorch's ``sum``), and divides its step by $\sqrt G$: rarely-updated coordinates (rare
features, rare words) keep large steps, frequent ones get small steps. In PyTorch's
order, for each parameter:

$$\begin{aligned}
g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
\tilde\eta_t &= \frac{\eta}{1 + (t-1)\,\gamma} \quad (\gamma\text{: learning-rate decay})\\
G_t &= G_{t-1} + g_t^2, \qquad G_0 = \text{initial\_accumulator\_value}\\
\theta_t &= \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{G_t} + \epsilon}
\end{aligned}$$

Because $G_t$ only grows, the effective step decays like $1/\sqrt t$ and training can
stall; RMSprop and Adam replace the sum by a moving average.

>>> import numpy as np
>>> from groundup import Tensor
>>> w = Tensor(np.array([3.0]), requires_grad=True)
>>> opt = Adagrad([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step()                           # 3 - 0.5 * 6 / sqrt(36): a step of lr
>>> round(w.item(), 6)
2.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.optimization.optimizers.optimizer import Optimizer, ParamsT


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters, or parameter groups.
    lr : float
        Learning rate $\eta$.
    lr_decay : float
        $\gamma$: the step's learning rate is $\eta / (1 + (t-1)\gamma)$.
    weight_decay : float
        $\lambda$: adds $\lambda\theta$ to the gradient.
    initial_accumulator_value : float
        $G_0$, the starting value of the sum of squares.
    eps : float
        $\epsilon$, added to the denominator.
    maximize : bool
        Ascend $f$ instead of descending.

    State per parameter: ``"step"`` $t$ and ``"sum"`` $G$ (created with the optimiser, as
    in PyTorch).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        """$t = 0$, $G_0$ filled with ``initial_accumulator_value``."""
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = 0.0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        return state

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Take one step for every parameter that has a gradient; returns ``closure()``."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                # BEGIN SOLUTION
                theta = p.data
                g = self._grad(p, group["maximize"])
                state = self._init_state(p, group)
                state["step"] += 1
                t = state["step"]

                if weight_decay != 0:
                    # $g_t \mathrel{+}= \lambda\,\theta_{t-1}$
                    g = g + weight_decay * theta
                # $\tilde\eta_t = \eta / (1 + (t-1)\gamma)$
                clr = lr / (1.0 + (t - 1.0) * lr_decay)
                # $G_t = G_{t-1} + g_t^2$
                G = state["sum"]
                G += g * g
                # $\theta_t = \theta_{t-1} - \tilde\eta_t\, g_t / (\sqrt{G_t} + \epsilon)$
                theta -= clr * (g / (np.sqrt(G) + eps))
                # END SOLUTION
        return loss


__all__ = ["Adagrad"]
