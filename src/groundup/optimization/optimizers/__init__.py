"""Optimisers (curriculum Phases 2-3): SGD with momentum, Adam/AdamW, RMSprop, Adagrad."""

from groundup.optimization.optimizers.adagrad import Adagrad
from groundup.optimization.optimizers.adam import Adam, AdamW
from groundup.optimization.optimizers.momentum import heavy_ball, nesterov_direction
from groundup.optimization.optimizers.optimizer import Optimizer
from groundup.optimization.optimizers.rmsprop import RMSprop
from groundup.optimization.optimizers.sgd import SGD, Momentum, NesterovMomentum

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Momentum",
    "NesterovMomentum",
    "Optimizer",
    "RMSprop",
    "heavy_ball",
    "nesterov_direction",
]
