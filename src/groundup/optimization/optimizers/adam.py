r"""Adam and AdamW: per-parameter step sizes from running moments of the gradient.

Adam (Kingma & Ba, 2015) keeps, for every parameter, an exponential moving average of
the gradient $m$ (the first moment, a smoothed direction) and of its square $v$ (the
second moment, a scale), corrects both for their start at zero, and steps by their ratio.
For each parameter, in PyTorch's order:

$$\begin{aligned}
g_t &= \pm\nabla_\theta f(\theta_{t-1}) \; [+\,\lambda\theta_{t-1} \text{ (Adam: L2)}]\\
\theta_{t-1} &\leftarrow \theta_{t-1}(1 - \eta\lambda) \quad\text{(AdamW: decoupled decay, instead)}\\
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\
v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2\\
v^{\max}_t &= \max(v^{\max}_{t-1}, v_t) \quad\text{(AMSGrad; it then replaces } v_t
  \text{ below)}\\
\hat m_t &= \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}\\
\theta_t &= \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
\end{aligned}$$

The bias corrections $1-\beta^t$ undo the pull towards the zero initial values: after
one step $m_1 = (1-\beta_1) g_1$, and dividing by $1-\beta_1$ gives back $g_1$. Note
where $\epsilon$ sits: it is added *after* $\sqrt{v}$ is bias-corrected, as in PyTorch and
the paper's Algorithm 1 (PyTorch folds the corrections into the step size,
$\frac{\eta}{1-\beta_1^t} \cdot \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}$:
the same number up to rounding). With AMSGrad (Reddi et al., 2018) the denominator never
shrinks, so the step size for a coordinate can only decrease.

**AdamW** (Loshchilov & Hutter, 2019): with Adam, an L2 term $\lambda\theta$ added to the
gradient is divided by $\sqrt{\hat v}$ like the rest, so weights with large gradients
are barely decayed. AdamW shrinks the weights directly, $\theta \leftarrow
\theta(1-\eta\lambda)$, decoupled from the adaptive step.

>>> import numpy as np
>>> from groundup import Tensor
>>> w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
>>> opt = Adam([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()                       # the first step is lr * sign(g) (up to eps)
>>> np.round(w.data, 6).tolist()
[0.9, -0.9]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.optimization.optimizers.optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    r"""Adam (``torch.optim.Adam``), with optional AMSGrad and L2 weight decay.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters, or parameter groups.
    lr : float
        Learning rate $\eta$.
    betas : tuple of float
        $(\beta_1, \beta_2)$, the decay rates of $m$ and $v$.
    eps : float
        $\epsilon$, added to the denominator.
    weight_decay : float
        $\lambda$. Adam adds $\lambda\theta$ to the gradient; AdamW decays the weights.
    amsgrad : bool
        Divide by the running maximum of $v$ (Reddi et al., 2018).
    maximize : bool
        Ascend $f$ instead of descending.

    State per parameter: ``"step"`` $t$, ``"exp_avg"`` $m$, ``"exp_avg_sq"`` $v$ and, with
    AMSGrad, ``"max_exp_avg_sq"`` $v^{\max} = \max_{s \le t} v_s$.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(
                    f"Invalid beta parameter at index {i}: {beta} (need 0 <= beta < 1)"
                )
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Take one step for every parameter that has a gradient; returns ``closure()``."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                # BEGIN SOLUTION
                theta = p.data
                g = self._grad(p, group["maximize"])
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0.0
                    state["exp_avg"] = np.zeros_like(theta)
                    state["exp_avg_sq"] = np.zeros_like(theta)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(theta)
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]

                if weight_decay != 0:
                    if self.decoupled_weight_decay:
                        # AdamW: $\theta_{t-1} \leftarrow \theta_{t-1}(1 - \eta\lambda)$
                        theta *= 1.0 - lr * weight_decay
                    else:
                        # Adam: $g_t \mathrel{+}= \lambda\,\theta_{t-1}$
                        g = g + weight_decay * theta

                # $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$
                m *= beta1
                m += (1.0 - beta1) * g
                # $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$
                v *= beta2
                v += (1.0 - beta2) * np.square(g)
                if group["amsgrad"]:
                    # $v^{\max}_t = \max(v^{\max}_{t-1}, v_t)$, used in place of $v_t$
                    v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                # $\hat m_t = m_t / (1 - \beta_1^t)$, $\hat v_t = v_t / (1 - \beta_2^t)$
                m_hat = m / (1.0 - beta1**t)
                v_hat = v / (1.0 - beta2**t)
                # $\theta_t = \theta_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$,
                # computed in place in m_hat and v_hat (fresh large arrays cost more than the math)
                denom = np.sqrt(v_hat, out=v_hat)
                denom += eps
                update = np.divide(m_hat, denom, out=m_hat)
                update *= lr
                theta -= update
                # END SOLUTION
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (``torch.optim.AdamW``): $\theta \leftarrow \theta(1-\eta\lambda)$.

    Same parameters as :class:`Adam`; ``weight_decay`` defaults to 0.01 as in PyTorch.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


__all__ = ["Adam", "AdamW"]
