"""Ensembles: random forests (bagging of CART trees)."""

from groundup.classical_ml.ensemble.random_forest import (
    RandomForestClassifier,
    RandomForestRegressor,
)

__all__ = ["RandomForestClassifier", "RandomForestRegressor"]
