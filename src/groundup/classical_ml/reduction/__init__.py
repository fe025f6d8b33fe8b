"""Dimensionality reduction: PCA (SVD) and t-SNE."""

from groundup.classical_ml.reduction.pca import PCA
from groundup.classical_ml.reduction.tsne import TSNE

__all__ = ["PCA", "TSNE"]
