"""``groundup.nn``: PyTorch's ``torch.nn`` names, re-exported from the curriculum layout.

The code lives where the curriculum puts it (``groundup.nn_core.layers.linear`` for
`Linear`, ``groundup.nn_core.activations.relu`` for `ReLU`, ...); this facade lets
``from groundup import nn; nn.Linear(784, 256)`` read as it does in PyTorch.
"""
# ruff: noqa: I001  (imports are grouped by topic, in the order of the curriculum)

from groundup.nn import functional, init

# ---------------------------------------------------------------- Module and containers
from groundup.nn_core.checkpoint import load, save
from groundup.nn_core.containers import ModuleDict, ModuleList, Sequential
from groundup.nn_core.module import Module, Parameter

# ---------------------------------------------------------------- layers
from groundup.nn_core.layers.linear import Embedding, Flatten, Identity, Linear, Unflatten

__all__ = [
    "Embedding",
    "Flatten",
    "Identity",
    "Linear",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "Unflatten",
    "functional",
    "init",
    "load",
    "save",
]
