"""Normalisation layers (curriculum Phase 3): batch, layer, group and RMS norm."""

from groundup.nn_core.normalization.batchnorm import BatchNorm1d, BatchNorm2d, batch_norm
from groundup.nn_core.normalization.groupnorm import GroupNorm, group_norm
from groundup.nn_core.normalization.layernorm import LayerNorm, layer_norm
from groundup.nn_core.normalization.rmsnorm import RMSNorm, rms_norm

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "LayerNorm",
    "RMSNorm",
    "batch_norm",
    "group_norm",
    "layer_norm",
    "rms_norm",
]
