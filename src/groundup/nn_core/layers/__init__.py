"""Layers: `Linear`, `Identity`, `Flatten`, `Unflatten`, `Embedding`."""

from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Flatten, Identity, Linear, Unflatten

__all__ = ["Embedding", "Flatten", "Identity", "Linear", "Unflatten"]
