r"""Any schedule given as a function: $\eta_t = \eta_0\,\lambda(t)$.

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers import SGD
>>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.5)
>>> sched = LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + t))
>>> sched.step(); sched.step()
>>> sched.get_last_lr()
[0.16666666666666666]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.schedulers.lr_scheduler import LRScheduler


class LambdaLR(LRScheduler):
    r"""$\eta_t = \eta_0\,\lambda(t)$ (``torch.optim.lr_scheduler.LambdaLR``).

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        $\lambda(t)$, a multiplicative factor of the step count; one per group, or one
        for all.
    last_epoch : int
        See :class:`LRScheduler`.

    The functions are not part of :meth:`state_dict` (as in PyTorch: lambdas cannot be
    saved); a resumed scheduler is constructed with them again.
    """

    _not_saved = ("optimizer", "lr_lambdas")

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n_groups = len(optimizer.param_groups)
        if callable(lr_lambda):
            self.lr_lambdas: list[Callable[[int], Any]] = [lr_lambda] * n_groups
        else:
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != n_groups:
                raise ValueError(f"Expected {n_groups} lr_lambdas, but got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # $\eta_t = \eta_0 \lambda(t)$
        return base_lr * self.lr_lambdas[group_index](t)


__all__ = ["LambdaLR"]
