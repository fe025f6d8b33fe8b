r"""Linear ramp of the learning rate: $\eta_t = \eta_0\,(s + (e - s)\min(t, N)/N)$.

Used for warm-up (``start_factor`` small, ``end_factor = 1``) or for linear decay
(``start_factor = 1``, ``end_factor`` small). After $N$ (``total_iters``) steps the rate
stays at $e\,\eta_0$.

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers import SGD
>>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
>>> sched = LinearLR(opt, start_factor=0.25, total_iters=3)
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     sched.step()
>>> lrs
[0.25, 0.5, 0.75, 1.0, 1.0]
"""

from __future__ import annotations

from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.schedulers.lr_scheduler import LRScheduler


class LinearLR(LRScheduler):
    r"""$\eta_t = \eta_0\,(s + (e - s)\min(t, N)/N)$ (``torch.optim.lr_scheduler.LinearLR``).

    Parameters
    ----------
    optimizer : Optimizer
    start_factor : float
        $s \in (0, 1]$, the factor at $t = 0$.
    end_factor : float
        $e \in [0, 1]$, the factor from $t = N$ on.
    total_iters : int
        $N$, the number of steps of the ramp.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(
                f"Starting multiplicative factor expected to be greater than 0 and less or "
                f"equal to 1, got start_factor={start_factor}"
            )
        if not 0 <= end_factor <= 1:
            raise ValueError(
                f"Ending multiplicative factor expected to be between 0 and 1, got "
                f"end_factor={end_factor}"
            )
        if total_iters < 1:
            raise ValueError(f"total_iters must be a positive integer, got {total_iters}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int, group_index: int) -> float:
        s, e, N = self.start_factor, self.end_factor, self.total_iters
        # $\eta_t = \eta_0 (s + (e - s) \min(t, N) / N)$
        return base_lr * (s + (e - s) * min(t, N) / N)


__all__ = ["LinearLR"]
