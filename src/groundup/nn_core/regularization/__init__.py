"""Regularisation layers (curriculum Phase 3): dropout."""

from groundup.nn_core.regularization.dropout import Dropout, Dropout2d, dropout, dropout2d

__all__ = ["Dropout", "Dropout2d", "dropout", "dropout2d"]
