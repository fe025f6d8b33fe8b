r"""Schedules run one after another: ``SequentialLR``.

Given schedulers $S_0, S_1, \dots, S_K$ and milestones $m_1 < \dots < m_K$, step $t$
uses the scheduler whose interval holds it, restarted at its milestone:

$$\eta_t = S_k(\eta_0,\; t - m_k), \qquad k = |\{i : m_i \le t\}|,\; m_0 = 0.$$

A linear warm-up followed by a cosine decay, as PyTorch writes it::

    warmup = LinearLR(opt, start_factor=0.01, total_iters=500)
    decay = CosineAnnealingLR(opt, T_max=9500)
    sched = SequentialLR(opt, [warmup, decay], milestones=[500])

(:class:`~groundup.optimization.schedulers.cosine.WarmupCosineLR` is the same in one
class.) Each child is used as its formula $S_k(\eta_0, t)$; only ``SequentialLR`` itself
is stepped.

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers import SGD
>>> from groundup.optimization.schedulers import ExponentialLR, LinearLR
>>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
>>> warmup, decay = LinearLR(opt, 0.5, total_iters=2), ExponentialLR(opt, gamma=0.5)
>>> sched = SequentialLR(opt, [warmup, decay], milestones=[2])
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     sched.step()
>>> lrs
[0.5, 0.75, 1.0, 0.5, 0.25]
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.schedulers.lr_scheduler import LRScheduler


class SequentialLR(LRScheduler):
    r"""$\eta_t = S_k(\eta_0, t - m_k)$ for $m_k \le t < m_{k+1}$ (``torch.optim.lr_scheduler.SequentialLR``).

    Parameters
    ----------
    optimizer : Optimizer
    schedulers : sequence of LRScheduler
        $S_0, \dots, S_K$, built on the same optimiser.
    milestones : sequence of int
        $m_1 < \dots < m_K$: the step at which each next scheduler takes over.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    _not_saved = ("optimizer", "_schedulers")

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler")
        for i, s in enumerate(schedulers):
            if s.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR expects all schedulers to belong to the same optimizer, but "
                    f"got scheduler {type(s).__name__} at index {i} with a different one"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got {len(schedulers)} schedulers "
                f"and {len(milestones)} milestones"
            )
        if list(milestones) != sorted(set(milestones)):
            raise ValueError(f"milestones must be strictly increasing, got {list(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        # $k = |\{i : m_i \le t\}|$, restarted at $m_k$
        k = bisect.bisect_right(self._milestones, t)
        start = self._milestones[k - 1] if k > 0 else 0
        return self._schedulers[k].lr_at(base_lr, t - start, group_index)

    def state_dict(self) -> dict[str, Any]:
        """Own state, plus each child's state dict under ``"_schedulers"``."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        for s, saved in zip(self._schedulers, state.pop("_schedulers", [])):
            s.load_state_dict(saved)
        super().load_state_dict(state)


__all__ = ["SequentialLR"]
