r"""The learning-rate scheduler base class: ``step()`` sets each group's ``lr``.

A schedule is a function of the step count $t$ (PyTorch's ``last_epoch``; "epoch" is
historical: call ``scheduler.step()`` once per epoch or once per batch, as the schedule
is designed) and of each group's starting rate $\eta_0$ (``base_lrs``, saved in the
group as ``"initial_lr"``):

$$\eta_t = \text{schedule}(\eta_0, t).$$

PyTorch computes most schedules *recursively* (its ``get_lr`` multiplies the previous
rate by a factor); here every schedule is the closed form $\eta_t$ itself, which is easier
to read and gives the same sequence (the tests compare them step by step). The
difference only shows if something else changes ``lr`` between steps (e.g. two
schedulers on one optimiser): the closed form ignores it, the recursive form composes.

Usage, as in PyTorch::

    for epoch in range(num_epochs):
        train_one_epoch(model, optimizer)     # optimizer.step() inside
        scheduler.step()                      # then advance the schedule
"""

from __future__ import annotations

from typing import Any

from groundup.optimization.optimizers.optimizer import Optimizer


class LRScheduler:
    r"""Base class: holds ``optimizer``, ``base_lrs`` and ``last_epoch`` $t$.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' ``"lr"`` are set.
    last_epoch : int
        $t$ of the last step taken; ``-1`` starts a new schedule (and records each
        group's ``"initial_lr"``). To resume, load a :meth:`state_dict` instead.

    Subclasses implement :meth:`lr_at`. Constructing a scheduler takes the first step,
    setting the rates for $t = 0$. An inverse-square-root schedule, for example:

    >>> import math
    >>> import numpy as np
    >>> from groundup import Tensor
    >>> from groundup.optimization.optimizers import SGD
    >>> class InverseSqrtLR(LRScheduler):
    ...     def lr_at(self, base_lr, t, group_index):
    ...         return base_lr / math.sqrt(1 + t)  # $\eta_t = \eta_0 / \sqrt{1 + t}$
    >>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    >>> sched = InverseSqrtLR(opt)
    >>> sched.step(); sched.step(); sched.step()
    >>> opt.param_groups[0]["lr"], sched.last_epoch
    (0.5, 3)
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        f"resuming an optimizer (last_epoch={last_epoch})"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        r"""$\eta_t$ for a group whose starting rate is ``base_lr``."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rate of every group at the current step ``last_epoch``."""
        return [self.lr_at(base_lr, self.last_epoch, i) for i, base_lr in enumerate(self.base_lrs)]

    def step(self) -> None:
        """Advance $t$ by one and set each group's ``lr`` to $\\eta_t$."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last :meth:`step` set, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimiser (which has its own ``state_dict``)."""
        return {k: v for k, v in self.__dict__.items() if k not in self._not_saved}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (then ``step()`` continues where it left off)."""
        self.__dict__.update(state_dict)

    _not_saved: tuple[str, ...] = ("optimizer",)


__all__ = ["LRScheduler"]
