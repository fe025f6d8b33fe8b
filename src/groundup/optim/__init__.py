"""PyTorch-style facade: ``groundup.optim`` is ``torch.optim``'s names over ``groundup.optimization``.

>>> import groundup.optim as optim
>>> from groundup import Tensor
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> opt = optim.AdamW([w], lr=1e-3)
>>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
"""

from groundup.optim import lr_scheduler
from groundup.optimization.optimizers import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Momentum,
    NesterovMomentum,
    Optimizer,
    RMSprop,
)

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Momentum",
    "NesterovMomentum",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
