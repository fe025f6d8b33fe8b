"""Normalisation layers (curriculum Phase 3): batch norm and layer norm."""

from groundup.nn_core.normalization.batchnorm import BatchNorm1d, BatchNorm2d, batch_norm
from groundup.nn_core.normalization.layernorm import LayerNorm, layer_norm

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "batch_norm", "layer_norm"]
