"""Model architectures built from the nn core (curriculum module map: ``architectures/``)."""

from groundup.architectures.mlp import MLP

__all__ = ["MLP"]
