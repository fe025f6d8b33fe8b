"""Regression: ordinary least squares (closed form and gradient descent) and ridge."""

__all__: list[str] = []
