"""Learning-rate schedulers (curriculum Phase 3): step, exponential, cosine, warm-up, lambda,
sequential, on plateau."""

from groundup.optimization.schedulers.cosine import CosineAnnealingLR, WarmupCosineLR
from groundup.optimization.schedulers.lambda_lr import LambdaLR
from groundup.optimization.schedulers.linear import LinearLR
from groundup.optimization.schedulers.lr_scheduler import LRScheduler
from groundup.optimization.schedulers.plateau import ReduceLROnPlateau
from groundup.optimization.schedulers.sequential import SequentialLR
from groundup.optimization.schedulers.step import ExponentialLR, MultiStepLR, StepLR

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "WarmupCosineLR",
]
