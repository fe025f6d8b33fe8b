"""The neural-network core (curriculum Phases 2-3): `Module`, layers, activations, init,
normalisation and dropout. ``groundup.nn`` re-exports all of it under PyTorch's names."""

from groundup.nn_core.checkpoint import load, save
from groundup.nn_core.containers import ModuleDict, ModuleList, Sequential
from groundup.nn_core.module import Module, Parameter

__all__ = ["Module", "ModuleDict", "ModuleList", "Parameter", "Sequential", "load", "save"]
