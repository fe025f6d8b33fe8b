"""Layers: `Linear`, `Identity`, `Flatten`, `Unflatten`, `Embedding`, `CosineSimilarity`."""

from groundup.nn_core.layers.distance import CosineSimilarity
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Flatten, Identity, Linear, Unflatten

__all__ = ["CosineSimilarity", "Embedding", "Flatten", "Identity", "Linear", "Unflatten"]
