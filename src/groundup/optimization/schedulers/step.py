r"""Step-wise decay: multiply the learning rate by $\gamma$ at fixed steps.

* ``StepLR``: every ``step_size`` steps, $\eta_t = \eta_0\,\gamma^{\lfloor t / s\rfloor}$;
* ``MultiStepLR``: at each milestone, $\eta_t = \eta_0\,\gamma^{|\{m_i \le t\}|}$;
* ``ExponentialLR``: every step, $\eta_t = \eta_0\,\gamma^t$.

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers import SGD
>>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for _ in range(6):
...     lrs.append(sched.get_last_lr()[0])
...     sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.schedulers.lr_scheduler import LRScheduler


class StepLR(LRScheduler):
    r"""$\eta_t = \eta_0\,\gamma^{\lfloor t / s \rfloor}$ (``torch.optim.lr_scheduler.StepLR``).

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
        $s$, the number of steps between decays.
    gamma : float
        $\gamma$, the decay factor.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # $\eta_t = \eta_0 \gamma^{\lfloor t/s \rfloor}$
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    r"""$\eta_t = \eta_0\,\gamma^{|\{i : m_i \le t\}|}$ (``torch.optim.lr_scheduler.MultiStepLR``).

    Parameters
    ----------
    optimizer : Optimizer
    milestones : iterable of int
        The steps $m_i$ at which the rate is multiplied by $\gamma$ (a milestone listed
        twice multiplies twice, as in PyTorch).
    gamma : float
        $\gamma$, the decay factor.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # $|\{i : m_i \le t\}|$ milestones passed
        passed = bisect.bisect_right(self.milestones, t)
        return base_lr * self.gamma**passed


class ExponentialLR(LRScheduler):
    r"""$\eta_t = \eta_0\,\gamma^t$ (``torch.optim.lr_scheduler.ExponentialLR``).

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
        $\gamma$, the factor applied every step.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # $\eta_t = \eta_0 \gamma^t$
        return base_lr * self.gamma**t


__all__ = ["ExponentialLR", "MultiStepLR", "StepLR"]
