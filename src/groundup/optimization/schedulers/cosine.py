r"""Cosine annealing, and the linear warm-up followed by cosine decay used to train transformers.

**Cosine annealing** (Loshchilov & Hutter, SGDR, 2017) lowers the rate from $\eta_0$ to
$\eta_{\min}$ along half a cosine over $T_{\max}$ steps:

$$\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\left(1 + \cos\frac{\pi t}{T_{\max}}\right).$$

It decays slowly at first, fastest in the middle, and gently again at the end. Past
$T_{\max}$ PyTorch's formula keeps going round the cosine (the rate rises again); so does
this one.

**Warm-up then cosine**: at the start, Adam's second-moment estimates are noisy and
large steps can throw a freshly initialised network into a bad region; ramping the rate
up linearly over the first $W$ steps avoids it. Then cosine decay down to
$\eta_{\min}$ at step $T$ (``total_steps``), and $\eta_{\min}$ after:

$$\eta_t = \begin{cases}
\eta_0\left(s + (1 - s)\,\dfrac{t}{W}\right) & t < W \\[1ex]
\eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\left(1 + \cos\dfrac{\pi (t - W)}{T - W}\right)
  & W \le t \le T \\[1ex]
\eta_{\min} & t > T
\end{cases}$$

with $s$ the starting factor (0: the first step has rate 0). Up to $T$ this is PyTorch's
``SequentialLR([LinearLR(opt, s, 1, W), CosineAnnealingLR(opt, T - W, eta_min)], [W])``.

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers import SGD
>>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
>>> sched = WarmupCosineLR(opt, warmup_steps=2, total_steps=4)
>>> lrs = []
>>> for _ in range(6):
...     lrs.append(round(sched.get_last_lr()[0], 6))
...     sched.step()
>>> lrs
[0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
"""

from __future__ import annotations

import math

from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.schedulers.lr_scheduler import LRScheduler


class CosineAnnealingLR(LRScheduler):
    r"""$\eta_t = \eta_{\min} + \frac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t / T_{\max}))$.

    ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        $T_{\max}$, the number of steps from $\eta_0$ down to $\eta_{\min}$.
    eta_min : float
        $\eta_{\min}$, the lowest rate (the same for every group).
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_max <= 0:
            raise ValueError(f"T_max must be a positive number of steps, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # $\eta_t = \eta_{\min} + \frac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t / T_{\max}))$
        # BEGIN SOLUTION
        return (
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2
        )
        # END SOLUTION


class WarmupCosineLR(LRScheduler):
    r"""Linear warm-up over ``warmup_steps``, then cosine decay to ``min_lr`` at ``total_steps``.

    Parameters
    ----------
    optimizer : Optimizer
    warmup_steps : int
        $W \ge 0$: steps of linear warm-up (0: cosine from the start).
    total_steps : int
        $T > W$: the step at which the rate reaches ``min_lr`` (it stays there after).
    min_lr : float
        $\eta_{\min}$, the final rate (the same for every group).
    start_factor : float
        $s \in [0, 1]$: the warm-up starts at $s\,\eta_0$.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        warmup_steps: int,
        total_steps: int,
        min_lr: float = 0.0,
        start_factor: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
        if total_steps <= warmup_steps:
            raise ValueError(
                f"total_steps ({total_steps}) must be greater than warmup_steps ({warmup_steps})"
            )
        if not 0.0 <= start_factor <= 1.0:
            raise ValueError(f"start_factor must be in [0, 1], got {start_factor}")
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.min_lr = min_lr
        self.start_factor = start_factor
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # BEGIN SOLUTION
        W, T, s = self.warmup_steps, self.total_steps, self.start_factor
        if t < W:
            # $\eta_t = \eta_0 (s + (1 - s) t / W)$
            return base_lr * (s + (1.0 - s) * t / W)
        if t > T:
            return self.min_lr
        # $\eta_t = \eta_{\min} + \frac12(\eta_0 - \eta_{\min})(1 + \cos(\pi (t - W) / (T - W)))$
        progress = (t - W) / (T - W)
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2
        # END SOLUTION


__all__ = ["CosineAnnealingLR", "WarmupCosineLR"]
