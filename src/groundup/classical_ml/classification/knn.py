r"""k-nearest neighbours: predict from the $k$ training points closest to the query.

For a query $x$ let $N_k(x)$ be the indices of its $k$ nearest training points under the
Minkowski distance $d_p(x, x') = \left(\sum_j |x_j - x'_j|^p\right)^{1/p}$ ($p = 2$:
Euclidean, $p = 1$: Manhattan). With weights $w_i = 1$ (``"uniform"``) or
$w_i = 1 / d_p(x, x_i)$ (``"distance"``; a training point at distance 0 takes all the
weight):

$$ \hat y(x) = \arg\max_c \sum_{i \in N_k(x)} w_i [y_i = c] \quad\text{(classification)},
\qquad \hat y(x) = \frac{\sum_{i \in N_k(x)} w_i y_i}{\sum_{i \in N_k(x)} w_i} \quad\text{(regression)}. $$

Distances are computed brute force, vectorised, one block of queries at a time, so
memory stays bounded whatever the number of queries: a block holds at most
``BLOCK_BYTES`` (64 MiB) of float64 distances, i.e. $\lfloor 2^{23} / n_{\text{train}}\rfloor$
query rows (at least one). For 60,000 training points and 10,000 queries that is 139
queries per block: 72 blocks of a (139, 60000) matrix (64 MiB) instead of one 4.8 GB
matrix. For $p = 2$ a block ranks by $\lVert x'\rVert^2 - 2 x^\top x'$ (one matrix product
into a buffer reused by every block); for $p = 1$ it is accumulated one feature at a time
(one more block-sized temporary), so no (block, n_train, n_features) array is ever formed.
The $k$ chosen distances are then recomputed directly, a (block, k, n_features) array.
Peak memory beyond the data: ``BLOCK_BYTES`` for $p = 2$, twice that for $p = 1$, plus
the (block, k, n_features) differences.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_classification_targets,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "BLOCK_BYTES",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "ranking_scores",
    "smallest_k",
]

BLOCK_BYTES = 64 * 2**20
"""Memory budget of one block of the (queries, training points) distance matrix."""


def _query_blocks(n_queries: int, n_train: int) -> Iterator[slice]:
    rows = max(1, BLOCK_BYTES // (8 * max(n_train, 1)))
    for start in range(0, n_queries, rows):
        yield slice(start, min(start + rows, n_queries))


def ranking_scores(
    Q: np.ndarray, X: np.ndarray, p: int, X_sq: np.ndarray, out: np.ndarray
) -> np.ndarray:
    r"""Per query row, scores that order the training points as $d_p(q, x_b)$ does, shape (n_q, n).

    For $p = 2$: $\lVert q - x\rVert^2 - \lVert q\rVert^2 = \lVert x\rVert^2 - 2 q^\top x$ (one
    matrix product; $\lVert q\rVert^2$ is the same for the whole row, and the square root
    is monotone, so neither changes the order). For $p = 1$: $\sum_j |q_j - x_j|$ itself,
    accumulated one feature at a time, so memory is (n_q, n), never (n_q, n, d).
    Written into ``out`` (a reused buffer of at least that shape).
    """
    # BEGIN SOLUTION
    D = out[: Q.shape[0]]
    if p == 2:
        np.matmul(Q, X.T, out=D)
        D *= -2.0
        D += X_sq[None, :]
        return D
    D[...] = 0.0
    tmp = np.empty_like(D)
    for q_j, x_j in zip(Q.T, np.ascontiguousarray(X.T)):
        # $\sum_j |q_j - x_j|$, one feature j at a time
        np.subtract(q_j[:, None], x_j[None, :], out=tmp)
        np.abs(tmp, out=tmp)
        D += tmp
    return D
    # END SOLUTION


def smallest_k(D: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k smallest entries of each row of ``D`` (modified), shape (b, k).

    Equal values go to the lower index. For small k, k passes of ``argmin`` (vectorised,
    O(kn)) beat ``argpartition``'s per-row selection; for larger k, ``argpartition``.
    """
    b, n = D.shape
    if k >= n:
        return np.tile(np.arange(n), (b, 1))
    if k > 16:
        return np.argpartition(D, k - 1, axis=1)[:, :k]
    rows = np.arange(b)
    out = np.empty((b, k), dtype=np.intp)
    for j in range(k):
        out[:, j] = np.argmin(D, axis=1)
        D[rows, out[:, j]] = np.inf
    return out


class _KNeighborsBase(BaseEstimator):
    """Fitting (store the data), validation and the block-wise neighbour search."""

    def __init__(self, n_neighbors: int = 5, weights: str = "uniform", p: int = 2) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p

    def _check_params(self) -> None:
        k = self.n_neighbors
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"n_neighbors must be an integer >= 1, got {k!r}.")
        if self.weights not in ("uniform", "distance"):
            raise ValueError(f"weights must be 'uniform' or 'distance', got {self.weights!r}.")
        if self.p not in (1, 2):
            raise ValueError(f"p must be 1 (Manhattan) or 2 (Euclidean), got {self.p!r}.")

    def _fit_X(self, X: np.ndarray) -> None:
        self._check_params()
        self._X = np.ascontiguousarray(X, dtype=np.float64)  # (n, d)
        self._X_sq = np.einsum("ij,ij->i", self._X, self._X)  # (n,) reused by every query
        self.n_samples_fit_ = X.shape[0]

    def kneighbors(
        self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True
    ) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
        """The ``n_neighbors`` nearest training points of each query, nearest first.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features) or None
            Queries; ``None`` queries the training points, each excluding itself.
        n_neighbors : int or None
            Defaults to the ``n_neighbors`` given at construction.

        Returns
        -------
        distances : ndarray of shape (n_queries, n_neighbors)
            Only if ``return_distance``.
        indices : ndarray of shape (n_queries, n_neighbors)
            Row indices into the training data; equal distances are ordered by index.
        """
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        self_query = X is None
        Q = self._X if self_query else validate_data(self, X, reset=False).astype(np.float64)
        n_train = self.n_samples_fit_ - int(self_query)
        if k > n_train:
            raise ValueError(
                f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, "
                f"n_samples_fit = {self.n_samples_fit_}, n_samples = {Q.shape[0]}."
            )
        dist = np.empty((Q.shape[0], k))
        ind = np.empty((Q.shape[0], k), dtype=np.intp)
        blocks = list(_query_blocks(Q.shape[0], self.n_samples_fit_))
        buffer = np.empty((blocks[0].stop - blocks[0].start, self.n_samples_fit_))  # reused
        for block in blocks:
            D = ranking_scores(Q[block], self._X, self.p, self._X_sq, buffer)  # (b, n)
            if self_query:
                rows = np.arange(D.shape[0])
                D[rows, rows + block.start] = np.inf
            part = smallest_k(D, k)  # (b, k)
            part.sort(axis=1)  # index order, so the stable sort below breaks ties by index
            # the k chosen distances, computed directly: exact for near-duplicates, where
            # the expanded form loses relative precision ($\lVert q - x\rVert \ll \lVert q\rVert$)
            diff = Q[block, None, :] - self._X[part]  # (b, k, d)
            if self.p == 2:
                d_part = np.sqrt(np.einsum("bkd,bkd->bk", diff, diff))
            else:
                d_part = np.abs(diff).sum(axis=2)
            order = np.argsort(d_part, axis=1, kind="stable")
            dist[block] = np.take_along_axis(d_part, order, axis=1)
            ind[block] = np.take_along_axis(part, order, axis=1)
        return (dist, ind) if return_distance else ind

    def _neighbour_weights(self, dist: np.ndarray) -> np.ndarray:
        r"""$w_i = 1$ or $1/d_i$; rows with a zero distance weight only those neighbours."""
        if self.weights == "uniform":
            return np.ones_like(dist)
        zero = dist == 0.0
        with np.errstate(divide="ignore"):
            w = 1.0 / dist  # (q, k)
        return np.where(zero.any(axis=1, keepdims=True), zero.astype(np.float64), w)


class KNeighborsClassifier(ClassifierMixin, _KNeighborsBase):
    r"""k-nearest-neighbours vote.

    Parameters
    ----------
    n_neighbors : int, default=5
        $k$.
    weights : {"uniform", "distance"}, default="uniform"
        Vote weights $w_i = 1$ or $1/d(x, x_i)$.
    p : {1, 2}, default=2
        Minkowski power: 1 Manhattan, 2 Euclidean.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_samples_fit_ : int
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> KNeighborsClassifier(n_neighbors=1).fit(X, ["a", "a", "b", "b"]).predict([[9.0]])
    array(['b'], dtype='<U1')
    """

    def fit(self, X: Any, y: Any) -> KNeighborsClassifier:
        """Store ``X`` of shape (n_samples, n_features) and labels ``y`` of shape (n_samples,)."""
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, self._y = np.unique(y, return_inverse=True)  # (K,), (n,)
        self._fit_X(X)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""$p(c \mid x) = \sum_{i \in N_k} w_i [y_i = c] / \sum_{i \in N_k} w_i$, shape (n_queries, n_classes)."""
        dist, ind = self.kneighbors(X)  # (q, k), (q, k)
        w = self._neighbour_weights(dist)  # (q, k)
        K = len(self.classes_)
        q = ind.shape[0]
        votes = np.zeros((q, K))  # (q, K)
        rows = np.arange(q)
        labels = self._y[ind]  # (q, k)
        for j in range(ind.shape[1]):
            # the j-th neighbour's weight into its class column (one per row: no collisions)
            votes[rows, labels[:, j]] += w[:, j]
        return votes / votes.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """The class with the largest (weighted) vote; ties go to the first class. Shape (n_queries,)."""
        proba = self.predict_proba(X)  # (q, K)
        return self.classes_[np.argmax(proba, axis=1)]


class KNeighborsRegressor(RegressorMixin, _KNeighborsBase):
    r"""k-nearest-neighbours (weighted) mean of the targets.

    Parameters
    ----------
    n_neighbors : int, default=5
    weights : {"uniform", "distance"}, default="uniform"
    p : {1, 2}, default=2

    Attributes
    ----------
    n_samples_fit_ : int
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> KNeighborsRegressor(n_neighbors=2).fit(X, [0.0, 1.0, 2.0, 3.0]).predict([[1.4]])
    array([1.5])
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> KNeighborsRegressor:
        """Store ``X`` (n_samples, n_features) and ``y`` (n_samples,) or (n_samples, n_targets)."""
        X, y = validate_data(self, X, y, y_numeric=True, multi_output=True)
        self._y = y.astype(np.float64)
        self._fit_X(X)
        return self

    def predict(self, X: Any) -> np.ndarray:
        r"""$\sum_{i \in N_k} w_i y_i / \sum_{i \in N_k} w_i$, shape (n_queries,) or (n_queries, n_targets)."""
        dist, ind = self.kneighbors(X)  # (q, k)
        w = self._neighbour_weights(dist)  # (q, k)
        w = w / w.sum(axis=1, keepdims=True)
        y_nb = self._y[ind]  # (q, k) or (q, k, t)
        if y_nb.ndim == 2:
            return np.einsum("qk,qk->q", w, y_nb)
        return np.einsum("qk,qkt->qt", w, y_nb)
