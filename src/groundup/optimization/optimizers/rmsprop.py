r"""RMSprop: divide the step by a running root-mean-square of the gradient.

Proposed by Hinton (Coursera lecture 6e, 2012). Each parameter keeps a moving average of
its squared gradient, $v$ (PyTorch's ``square_avg``), and the gradient is divided by its
root, so directions with consistently large gradients take smaller steps. In PyTorch's
order, for each parameter:

$$\begin{aligned}
g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2\\
\bar g_t &= \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t,\quad
  \tilde v_t = v_t - \bar g_t^2 \quad\text{(centered: an estimate of the variance)}\\
\delta_t &= \frac{g_t}{\sqrt{\tilde v_t} + \epsilon} \quad(\tilde v_t = v_t \text{ if not centered})\\
b_t &= \mu\, b_{t-1} + \delta_t, \quad \theta_t = \theta_{t-1} - \eta\, b_t
  \quad\text{(with momentum } \mu > 0\text{; else } \theta_t = \theta_{t-1} - \eta\,\delta_t)
\end{aligned}$$

Unlike Adam there is no bias correction, so the first steps are large ($v_1 =
(1-\alpha) g_1^2$ makes $\delta_1 \approx 10\,\mathrm{sign}(g_1)$ for $\alpha = 0.99$).

>>> import numpy as np
>>> from groundup import Tensor
>>> w = Tensor(np.array([1.0]), requires_grad=True)
>>> opt = RMSprop([w], lr=0.01)
>>> (w * w).sum().backward()
>>> opt.step()                           # 1 - 0.01 * 2 / (sqrt(0.01 * 4) + 1e-8)
>>> round(w.item(), 6)
0.9
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.optimization.optimizers.optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters, or parameter groups.
    lr : float
        Learning rate $\eta$.
    alpha : float
        Smoothing constant $\alpha$ of the averages.
    eps : float
        $\epsilon$, added to the denominator.
    weight_decay : float
        $\lambda$: adds $\lambda\theta$ to the gradient.
    momentum : float
        Momentum $\mu$ applied to the normalised step.
    centered : bool
        Normalise by an estimate of the gradient's variance instead of its second moment.
    maximize : bool
        Ascend $f$ instead of descending.

    State per parameter: ``"step"``, ``"square_avg"`` $v$, ``"momentum_buffer"`` $b$
    (when $\mu > 0$), ``"grad_avg"`` $\bar g$ (when centered).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Take one step for every parameter that has a gradient; returns ``closure()``."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            mu, weight_decay = group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                # BEGIN SOLUTION
                theta = p.data
                g = self._grad(p, group["maximize"])
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0.0
                    state["square_avg"] = np.zeros_like(theta)
                    if mu > 0:
                        state["momentum_buffer"] = np.zeros_like(theta)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(theta)
                state["step"] += 1

                if weight_decay != 0:
                    # $g_t \mathrel{+}= \lambda\,\theta_{t-1}$
                    g = g + weight_decay * theta
                # $v_t = \alpha v_{t-1} + (1-\alpha) g_t^2$
                v = state["square_avg"]
                v *= alpha
                v += (1.0 - alpha) * (g * g)
                if group["centered"]:
                    # $\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t$, $\tilde v_t = v_t - \bar g_t^2$
                    g_bar = state["grad_avg"]
                    g_bar *= alpha
                    g_bar += (1.0 - alpha) * g
                    denom = np.sqrt(v - g_bar * g_bar) + eps
                else:
                    denom = np.sqrt(v) + eps
                # $\delta_t = g_t / (\sqrt{\tilde v_t} + \epsilon)$
                delta = g / denom
                if mu > 0:
                    # $b_t = \mu b_{t-1} + \delta_t$, $\theta_t = \theta_{t-1} - \eta b_t$
                    b = state["momentum_buffer"]
                    b *= mu
                    b += delta
                    theta -= lr * b
                else:
                    # $\theta_t = \theta_{t-1} - \eta\,\delta_t$
                    theta -= lr * delta
                # END SOLUTION
        return loss


__all__ = ["RMSprop"]
