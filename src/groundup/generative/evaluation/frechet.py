r"""The Fréchet distance between two Gaussians fitted to feature sets (FID's formula).

For features $x \sim \mathcal N(\mu_1, \Sigma_1)$ and $y \sim \mathcal N(\mu_2, \Sigma_2)$
the squared 2-Wasserstein (Fréchet) distance between the two Gaussians is

$$d^2 = \lVert \mu_1 - \mu_2 \rVert^2
      + \operatorname{Tr}\bigl(\Sigma_1 + \Sigma_2 - 2\,(\Sigma_1 \Sigma_2)^{1/2}\bigr).$$

FID (Heusel et al., 2017) is this distance on Inception features; here the features come
from a LeNet trained on MNIST (:mod:`groundup.generative.evaluation.feature_net`).

The one hard part is $\operatorname{Tr}(\Sigma_1\Sigma_2)^{1/2}$. $\Sigma_1\Sigma_2$ is
not symmetric, but it is similar to the symmetric positive semi-definite
$M = \Sigma_1^{1/2}\,\Sigma_2\,\Sigma_1^{1/2}$ (conjugate by $\Sigma_1^{1/2}$), so both have
the same eigenvalues $\lambda_i \ge 0$ and

$$\operatorname{Tr}(\Sigma_1\Sigma_2)^{1/2} = \sum_i \sqrt{\lambda_i(M)}.$$

Two symmetric eigendecompositions (``np.linalg.eigh``) compute it, with no complex
arithmetic. The bug this replaces: ``np.sqrt(sigma1 * sigma2)``, an *element-wise* root,
which is not a matrix square root at all (a test shows it gives another number).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a = rng.normal(size=(500, 4))
>>> round(frechet_distance(a, a), 12)
0.0
>>> round(frechet_distance(a, a + 1.0), 6)  # a shift by 1 in 4 dimensions: ||mu1 - mu2||^2 = 4
4.0
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "frechet_distance",
    "frechet_distance_from_stats",
    "gaussian_stats",
    "trace_sqrt_product",
]


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, ``N - 1``) covariance of a feature set, in float64.

    Parameters
    ----------
    features : ndarray of shape (N, D), N >= 2

    Returns
    -------
    mu : ndarray of shape (D,)
    sigma : ndarray of shape (D, D)
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"features must have shape (N, D) with N >= 2, got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinity")
    mu = x.mean(axis=0)  # (D,)
    # $\Sigma = \frac{1}{N-1}\sum_n (x_n-\mu)(x_n-\mu)^\top$
    centred = x - mu  # (N, D)
    sigma = centred.T @ centred / (len(x) - 1)  # (D, D)
    return mu, sigma


def _sym_sqrt(sigma: np.ndarray) -> np.ndarray:
    """$\\Sigma^{1/2} = V \\operatorname{diag}(\\sqrt{w}) V^\\top$ for symmetric PSD ``sigma`` (rounding below 0 clipped)."""
    w, V = np.linalg.eigh(sigma)  # (D,), (D, D)
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T  # (D, D)


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    r"""$\operatorname{Tr}(\Sigma_1\Sigma_2)^{1/2} = \sum_i \sqrt{\lambda_i(\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2})}$.

    Parameters
    ----------
    sigma1, sigma2 : ndarray of shape (D, D)
        Symmetric positive semi-definite matrices (covariances).

    >>> round(trace_sqrt_product(np.diag([4.0, 9.0]), np.eye(2)), 12)  # sqrt(4) + sqrt(9)
    5.0
    """
    s1 = np.asarray(sigma1, dtype=np.float64)
    s2 = np.asarray(sigma2, dtype=np.float64)
    if s1.ndim != 2 or s1.shape[0] != s1.shape[1] or s1.shape != s2.shape:
        raise ValueError(
            f"sigma1 and sigma2 must be square matrices of one shape, got {s1.shape} and {s2.shape}"
        )
    # BEGIN SOLUTION
    root1 = _sym_sqrt(s1)  # (D, D)
    # $M = \Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}$, symmetrised against rounding
    M = root1 @ s2 @ root1  # (D, D)
    M = (M + M.T) / 2
    lam = np.linalg.eigvalsh(M)  # (D,)
    return float(np.sqrt(np.clip(lam, 0.0, None)).sum())
    # END SOLUTION


def frechet_distance_from_stats(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray
) -> float:
    r"""$\lVert\mu_1-\mu_2\rVert^2 + \operatorname{Tr}(\Sigma_1+\Sigma_2-2(\Sigma_1\Sigma_2)^{1/2})$.

    Parameters
    ----------
    mu1, mu2 : ndarray of shape (D,)
    sigma1, sigma2 : ndarray of shape (D, D)
    """
    mu1, mu2 = np.asarray(mu1, dtype=np.float64), np.asarray(mu2, dtype=np.float64)
    if mu1.shape != mu2.shape or mu1.ndim != 1:
        raise ValueError(
            f"mu1 and mu2 must be vectors of one length, got {mu1.shape} and {mu2.shape}"
        )
    if np.shape(sigma1) != (mu1.size, mu1.size):
        raise ValueError(f"sigma1 must have shape {(mu1.size, mu1.size)}, got {np.shape(sigma1)}")
    diff = mu1 - mu2  # (D,)
    # $d^2 = \|\mu_1-\mu_2\|^2 + \mathrm{Tr}\,\Sigma_1 + \mathrm{Tr}\,\Sigma_2 - 2\,\mathrm{Tr}(\Sigma_1\Sigma_2)^{1/2}$
    # BEGIN SOLUTION
    d2 = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt_product(sigma1, sigma2)
    # END SOLUTION
    # rounding can leave a tiny negative number when the two Gaussians are one
    return float(max(d2, 0.0))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets.

    Parameters
    ----------
    features_a : ndarray of shape (N, D)
    features_b : ndarray of shape (M, D)

    Returns
    -------
    float
        The squared distance (as FID reports it), >= 0; 0 for identical sets.

    Notes
    -----
    The value depends on the sample sizes (a finite sample's covariance is noisy): compare
    a model with the real-vs-real floor at the same N (:func:`~groundup.generative.evaluation.evaluate_samples`).
    """
    a, b = np.asarray(features_a), np.asarray(features_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features_a and features_b must be (N, D) and (M, D) with one D, got {a.shape} and {b.shape}"
        )
    return frechet_distance_from_stats(*gaussian_stats(a), *gaussian_stats(b))
