"""Clustering: k-means (Lloyd, k-means++) and Gaussian mixtures (EM)."""

from groundup.classical_ml.clustering.gmm import GaussianMixture
from groundup.classical_ml.clustering.kmeans import KMeans

__all__ = ["GaussianMixture", "KMeans"]
