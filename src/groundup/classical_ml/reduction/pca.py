r"""Principal component analysis by the singular value decomposition.

Centre the data, $\tilde X = X - \mathbf 1 \bar x^\top$, and factor $\tilde X = U S V^\top$.
The rows of $V^\top$ are the principal axes (``components_``): the eigenvectors of the sample
covariance $\frac{1}{n-1}\tilde X^\top \tilde X = V \frac{S^2}{n-1} V^\top$, with variances

$$ \lambda_j = \frac{s_j^2}{n - 1} \quad (\texttt{explained\_variance\_}), \qquad
   \frac{\lambda_j}{\sum_l \lambda_l} \quad (\texttt{explained\_variance\_ratio\_}). $$

The projection is $Z = \tilde X V_k$ (whitened: $Z_{\cdot j} / \sqrt{\lambda_j}$, unit
variance); the reconstruction $\hat X = Z V_k^\top + \bar x$.

An axis is only defined up to its sign; like scikit-learn's ``svd_flip`` the sign is chosen
so that each axis' largest-magnitude coordinate is positive, so results are reproducible.

>>> import numpy as np
>>> X = np.array([[2.0, 0.0], [0.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
>>> pca = PCA(n_components=1).fit(X)
>>> pca.components_.tolist(), np.round(pca.explained_variance_, 12).tolist()
([[1.0, 0.0]], [2.0])
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    TransformerMixin,
    check_is_fitted,
    validate_data,
)

__all__ = ["PCA", "svd_flip"]


def svd_flip(U: np.ndarray, Vt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip signs so the largest-|.| entry of each row of ``Vt`` is positive (U's columns follow).

    U : (n, r), Vt : (r, d); returns the pair with $U_{\\cdot j} V^\\top_{j \\cdot}$ unchanged.
    """
    biggest = np.argmax(np.abs(Vt), axis=1)  # (r,)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), biggest])
    signs[signs == 0] = 1.0
    return U * signs, Vt * signs[:, None]


class PCA(TransformerMixin, BaseEstimator):
    """Principal component analysis (full SVD).

    Parameters
    ----------
    n_components : int, float in (0, 1) or None
        Components kept: a number; the fewest whose explained variance ratios add up to more
        than the fraction; or all ($\\min(n, d)$).
    whiten : bool
        Scale each projected component to unit variance.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    explained_variance_ : ndarray of shape (n_components,)
    explained_variance_ratio_ : ndarray of shape (n_components,)
    singular_values_ : ndarray of shape (n_components,)
    mean_ : ndarray of shape (n_features,)
    n_components_ : int
    noise_variance_ : float
        Mean of the discarded variances (probabilistic PCA's $\\sigma^2$).
    n_samples_, n_features_in_ : int
    """

    def __init__(self, n_components: Any = None, whiten: bool = False) -> None:
        self.n_components = n_components
        self.whiten = whiten

    def _resolve_n_components(self, ratio: np.ndarray, n: int, d: int) -> int:
        k = self.n_components
        if k is None:
            return min(n, d)
        if isinstance(k, numbers.Integral) and not isinstance(k, bool):
            if not 0 <= k <= min(n, d):
                raise ValueError(
                    f"n_components={k} must be between 0 and min(n_samples, n_features)="
                    f"{min(n, d)} with svd_solver='full'"
                )
            return int(k)
        if isinstance(k, numbers.Real) and 0.0 < k < 1.0:
            # fewest components with $\sum_{j \le k} \text{ratio}_j > $ n_components
            return int(np.searchsorted(np.cumsum(ratio), k, side="right")) + 1
        raise ValueError(f"n_components must be None, an int or a float in (0, 1); got {k!r}.")

    def fit(self, X: Any, y: Any = None) -> PCA:
        """Fit the principal axes to X (n_samples, n_features)."""
        self._fit(X)
        return self

    def _fit(self, X: Any) -> np.ndarray:
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        n, d = X.shape
        # BEGIN SOLUTION
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_  # $\tilde X$
        U, S, Vt = np.linalg.svd(Xc, full_matrices=False)  # (n, r), (r,), (r, d)
        U, Vt = svd_flip(U, Vt)
        # $\lambda_j = s_j^2 / (n - 1)$
        var = S**2 / (n - 1)
        total = var.sum()
        ratio = var / total if total > 0 else np.zeros_like(var)
        k = self._resolve_n_components(ratio, n, d)
        self.n_components_ = k
        self.components_ = Vt[:k]
        self.explained_variance_ = var[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = S[:k]
        self.noise_variance_ = float(var[k:].mean()) if k < min(n, d) else 0.0
        self.n_samples_ = n
        return U[:, :k] * (S[:k] if not self.whiten else float(np.sqrt(n - 1)))  # $Z = U S$
        # END SOLUTION

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, then project X: $Z = \\tilde X V_k = U_k S_k$, shape (n_samples, n_components)."""
        return self._fit(X)

    def transform(self, X: Any) -> np.ndarray:
        r"""$Z = (X - \bar x) V_k$ (whitened: $/\sqrt{\lambda}$), shape (n_samples, n_components)."""
        check_is_fitted(self, "components_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        Z = (X - self.mean_) @ self.components_.T
        if self.whiten:
            Z = Z / np.sqrt(self.explained_variance_ + float(np.finfo(np.float64).tiny))
        return Z

    def inverse_transform(self, Z: Any) -> np.ndarray:
        r"""$\hat X = Z V_k^\top + \bar x$ (whitened: $Z$ rescaled by $\sqrt\lambda$ first), (n, d)."""
        check_is_fitted(self, "components_")
        Z = np.asarray(Z, dtype=np.float64)
        if self.whiten:
            Z = Z * np.sqrt(self.explained_variance_)
        return Z @ self.components_ + self.mean_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
