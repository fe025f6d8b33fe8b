r"""K-means clustering: Lloyd's algorithm with k-means++ seeding.

K-means looks for $K$ centres $\mu_1, \dots, \mu_K$ minimising the *inertia*

$$ J = \sum_{i=1}^n w_i \min_k \lVert x_i - \mu_k \rVert^2 . $$

Lloyd's algorithm alternates two steps that each cannot increase $J$:

- assignment: $z_i = \arg\min_k \lVert x_i - \mu_k\rVert^2$;
- update: $\mu_k = \sum_{i: z_i = k} w_i x_i \,/\, \sum_{i: z_i = k} w_i$.

It stops when the assignments no longer change, or when the centres move by less than
``tol`` times the mean feature variance, $\sum_k \lVert \mu_k^{new} - \mu_k \rVert^2 \le
\text{tol}\cdot\frac1d\sum_j \operatorname{Var}(x_{\cdot j})$.

k-means++ (Arthur & Vassilvitskii, 2007) seeds the centres: the first is a random sample,
each next one is drawn with probability $\propto w_i D(x_i)^2$, $D$ the distance to the
nearest centre so far. The *greedy* variant (scikit-learn's) draws $2 + \lfloor\ln K\rfloor$
candidates and keeps the one that lowers the potential $\sum_i w_i D(x_i)^2$ most.

>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
>>> km = KMeans(n_clusters=2, random_state=0).fit(X)
>>> sorted(km.cluster_centers_.tolist()), float(km.inertia_)
([[0.0, 0.5], [10.0, 0.5]], 1.0)
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ClusterMixin,
    TransformerMixin,
    check_is_fitted,
    validate_data,
)
from groundup.classical_ml.classification.decision_tree import check_sample_weight
from groundup.utils.seeding import make_rng

__all__ = ["KMeans", "kmeans_plusplus", "squared_distances"]


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before converging."""


def squared_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    r"""$\lVert x_i - c_k \rVert^2 = \lVert x_i\rVert^2 - 2 x_i^\top c_k + \lVert c_k\rVert^2$: (n, d), (K, d) -> (n, K), clipped at 0."""
    D = np.sum(X**2, axis=1)[:, None] - 2.0 * (X @ C.T) + np.sum(C**2, axis=1)[None, :]
    return np.maximum(D, 0.0)


def kmeans_plusplus(
    X: np.ndarray,
    n_clusters: int,
    sample_weight: np.ndarray | None = None,
    random_state: Any = None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    sample_weight : ndarray of shape (n_samples,), optional
    random_state : int, Generator or None
    n_local_trials : int, optional
        Candidates per centre; default $2 + \\lfloor \\ln K \\rfloor$.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Row of ``X`` each centre was taken from.
    """
    rng = make_rng(random_state)
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    indices = np.empty(n_clusters, dtype=np.intp)
    indices[0] = rng.choice(n, p=w / w.sum())
    D2 = squared_distances(X, X[indices[:1]])[:, 0]  # $D(x_i)^2$, (n,)
    potential = float(w @ D2)
    for c in range(1, n_clusters):
        # candidates drawn with probability $\propto w_i D(x_i)^2$
        cdf = np.cumsum(w * D2)
        u = rng.uniform(size=n_local_trials) * potential
        candidates = np.minimum(np.searchsorted(cdf, u), n - 1)  # (T,)
        # potential if each candidate were added: $\sum_i w_i \min(D_i^2, \lVert x_i - x_c\rVert^2)$
        D2_cand = np.minimum(D2[None, :], squared_distances(X[candidates], X))  # (T, n)
        pots = D2_cand @ w
        best = int(np.argmin(pots))
        indices[c], D2, potential = candidates[best], D2_cand[best], float(pots[best])
    return X[indices].copy(), indices


def _lloyd(
    X: np.ndarray, w: np.ndarray, centers: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Lloyd iterations from ``centers`` (K, d); returns labels (n,), centers, inertia, n_iter."""
    # BEGIN SOLUTION
    K = centers.shape[0]
    labels = np.full(X.shape[0], -1)
    strict = False
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        D = squared_distances(X, centers)  # (n, K)
        new_labels = np.argmin(D, axis=1)
        if np.array_equal(new_labels, labels):
            strict = True  # the assignment is a fixed point: centres below are unchanged
            break
        labels = new_labels
        # $\mu_k = \sum_{z_i = k} w_i x_i / \sum_{z_i = k} w_i$
        mass = np.bincount(labels, w, minlength=K)  # (K,)
        # one-hot assignment matrix, so the K sums are one GEMM: sums = Z^T (w * X)
        Z = np.zeros((len(X), K), dtype=X.dtype)
        Z[np.arange(len(X)), labels] = w
        sums = Z.T @ X  # (K, d)
        new_centers = centers.copy()
        full = mass > 0
        new_centers[full] = sums[full] / mass[full, None]
        if not full.all():
            new_centers = _relocate_empty(X, D, labels, new_centers, ~full)
        shift = float(np.sum((new_centers - centers) ** 2))
        centers = new_centers
        if shift <= tol:
            break
    if not strict:
        labels = np.argmin(squared_distances(X, centers), axis=1)
    D_own = squared_distances(X, centers)[np.arange(X.shape[0]), labels]
    return labels, centers, float(w @ D_own), it
    # END SOLUTION


def _relocate_empty(
    X: np.ndarray, D: np.ndarray, labels: np.ndarray, centers: np.ndarray, empty: np.ndarray
) -> np.ndarray:
    """Move each empty cluster's centre onto one of the points farthest from their own centre."""
    far = np.argsort(-D[np.arange(X.shape[0]), labels])[: int(empty.sum())]
    centers[np.flatnonzero(empty)] = X[far]
    return centers


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means clustering by Lloyd's algorithm.

    Parameters
    ----------
    n_clusters : int
        Number of centres $K$.
    init : {"k-means++", "random"} or ndarray of shape (n_clusters, n_features)
        Seeding: greedy k-means++, $K$ distinct random samples, or given centres.
    n_init : "auto" or int
        Runs from different seeds; the lowest inertia wins. "auto": 1 for k-means++ or an
        array, 10 for "random".
    max_iter : int
    tol : float
        Relative tolerance on the squared centre shift (times the mean feature variance).
    random_state : int, Generator or None

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
    n_iter_ : int
    n_features_in_ : int
    """

    def __init__(
        self,
        n_clusters: int = 8,
        init: Any = "k-means++",
        n_init: Any = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Any = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _check_params(self, X: np.ndarray) -> int:
        n = X.shape[0]
        if not isinstance(self.n_clusters, numbers.Integral) or self.n_clusters < 1:
            raise ValueError(f"n_clusters must be an int >= 1, got {self.n_clusters!r}.")
        if n < self.n_clusters:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be an int >= 1, got {self.max_iter!r}.")
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(
                    f"init should be 'k-means++', 'random' or an array of shape "
                    f"(n_clusters, n_features); got {self.init!r}."
                )
        else:
            shape = np.shape(self.init)
            if shape != (self.n_clusters, X.shape[1]):
                raise ValueError(
                    f"The shape of the initial centers {shape} does not match the number of "
                    f"clusters and features ({self.n_clusters}, {X.shape[1]})."
                )
        if self.n_init == "auto":
            return 10 if isinstance(self.init, str) and self.init == "random" else 1
        if not isinstance(self.n_init, numbers.Integral) or self.n_init < 1:
            raise ValueError(f"n_init must be 'auto' or an int >= 1, got {self.n_init!r}.")
        if not isinstance(self.init, str) and self.n_init != 1:
            warnings.warn(
                f"Explicit initial center position passed: performing only one init in "
                f"KMeans instead of n_init={self.n_init}.",
                RuntimeWarning,
                stacklevel=3,
            )
            return 1
        return int(self.n_init)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMeans:
        """Cluster X (n_samples, n_features); keeps the best of ``n_init`` runs."""
        X = validate_data(self, X, dtype=np.float64)
        n_init = self._check_params(X)
        w = check_sample_weight(sample_weight, X.shape[0])
        rng = make_rng(self.random_state)
        # Centring X first: distances are unchanged and the $\lVert x\rVert^2$ expansion is
        # more accurate.
        mean = X.mean(axis=0)
        Xc = X - mean
        tol = float(np.mean(np.var(X, axis=0)) * self.tol) if self.tol else 0.0
        best = None
        for _ in range(n_init):
            if isinstance(self.init, str) and self.init == "k-means++":
                centers, _ = kmeans_plusplus(Xc, self.n_clusters, w, rng)
            elif isinstance(self.init, str):
                centers = Xc[rng.choice(X.shape[0], self.n_clusters, replace=False)]
            else:
                centers = np.asarray(self.init, dtype=np.float64) - mean
            run = _lloyd(Xc, w, centers, int(self.max_iter), tol)
            if best is None or run[2] < best[2]:
                best = run
        labels, centers, inertia, n_iter = best
        if np.unique(labels).size < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({np.unique(labels).size}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.cluster_centers_ = centers + mean
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        return self

    def _centers_for(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "cluster_centers_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X, squared_distances(X, self.cluster_centers_)

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest centre, shape (n_samples,)."""
        _, D = self._centers_for(X)
        return np.argmin(D, axis=1)

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distance to every centre, shape (n_samples, n_clusters)."""
        _, D = self._centers_for(X)
        return np.sqrt(D)

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit, then return ``labels_``, shape (n_samples,)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        r"""$-\sum_i w_i \min_k \lVert x_i - \mu_k\rVert^2$ on X (higher is better)."""
        X, D = self._centers_for(X)
        w = check_sample_weight(sample_weight, X.shape[0])
        return -float(w @ D.min(axis=1))
