r"""Reduce the learning rate when a metric stops improving: ``ReduceLROnPlateau``.

Not a function of the step count but of the training's progress: after each epoch,
``scheduler.step(val_loss)``. When the metric has not improved for more than
``patience`` epochs, every group's rate is multiplied by ``factor`` (not below
``min_lr``), and the count restarts after ``cooldown`` epochs of grace.

"Improved" means better than the best value so far by more than a threshold $\tau$:

$$\text{min, rel: } a < b\,(1 - \tau) \qquad \text{min, abs: } a < b - \tau \qquad
  \text{max, rel: } a > b\,(1 + \tau) \qquad \text{max, abs: } a > b + \tau$$

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers import SGD
>>> opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
>>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
>>> for val_loss in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
...     sched.step(val_loss)
>>> sched.get_last_lr()          # 2 bad epochs -> halve; 2 more -> halve again
[0.25]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.schedulers.lr_scheduler import LRScheduler


class ReduceLROnPlateau(LRScheduler):
    r"""Multiply the rate by ``factor`` after more than ``patience`` epochs without improvement.

    ``torch.optim.lr_scheduler.ReduceLROnPlateau``.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}
        Whether lower (a loss) or higher (an accuracy) is better.
    factor : float
        The multiplier, $< 1$.
    patience : int
        Epochs without improvement that are tolerated; the next one reduces the rate.
    threshold : float
        $\tau$, the margin an improvement must beat.
    threshold_mode : {"rel", "abs"}
        Relative ($b(1 \mp \tau)$) or absolute ($b \mp \tau$) margin.
    cooldown : int
        Epochs after a reduction during which bad epochs are not counted.
    min_lr : float or sequence of float
        Lower bound of each group's rate.
    eps : float
        Reductions smaller than this are skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown: use 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown: use 'rel' or 'abs'")
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, Sequence):
            if len(min_lr) != n_groups:
                raise ValueError(f"expected {n_groups} min_lrs, got {len(min_lr)}")
            self.min_lrs = [float(m) for m in min_lr]
        else:
            self.min_lrs = [float(min_lr)] * n_groups
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether ``a`` beats ``best`` by more than the threshold (see the module docstring)."""
        tau = self.threshold
        if self.mode == "min":
            return a < best * (1.0 - tau) if self.threshold_mode == "rel" else a < best - tau
        return a > best * (1.0 + tau) if self.threshold_mode == "rel" else a > best + tau

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record this epoch's metric; reduce the rates after too many bad epochs."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                # $\eta \leftarrow \max(\eta \cdot \text{factor}, \eta_{\min})$
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


__all__ = ["ReduceLROnPlateau"]
