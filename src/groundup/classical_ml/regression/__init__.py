"""Regression: ordinary least squares (closed form and gradient descent) and ridge."""

from groundup.classical_ml.regression.linear import LinearRegression
from groundup.classical_ml.regression.ridge import Ridge

__all__ = ["LinearRegression", "Ridge"]
