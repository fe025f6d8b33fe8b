"""Loss functions (curriculum Phase 2): regression, cross-entropy, binary cross-entropy, KL."""

from groundup.optimization.losses.binary_cross_entropy import (
    BCELoss,
    BCEWithLogitsLoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
)
from groundup.optimization.losses.cross_entropy import (
    CrossEntropyLoss,
    NLLLoss,
    cross_entropy,
    nll_loss,
)
from groundup.optimization.losses.kl_divergence import KLDivLoss, kl_div
from groundup.optimization.losses.mse import (
    HuberLoss,
    L1Loss,
    MSELoss,
    SmoothL1Loss,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]
