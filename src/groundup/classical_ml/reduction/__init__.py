"""Dimensionality reduction: PCA (SVD) and t-SNE."""

from groundup.classical_ml.reduction.pca import PCA

__all__ = ["PCA"]
