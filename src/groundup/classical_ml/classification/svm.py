r"""Support vector machines: kernel SVMs trained by SMO (and the linear SVM, from ``linear_svc``).

``SVC`` solves the kernel dual by SMO (see ``smo.py``) for each pair of classes
(one-vs-one, as libsvm) with the kernels

$$ K(x, x') = x^\top x', \quad e^{-\gamma\lVert x - x'\rVert^2}, \quad (\gamma x^\top x' + c_0)^{p}, \quad
   \tanh(\gamma x^\top x' + c_0), $$

$\gamma$ = ``"scale"``: $1 / (d \cdot \mathrm{Var}(X))$, ``"auto"``: $1/d$. A pair's decision is
$f(x) = \sum_t y_t\alpha_t K(x_t, x) - \rho$; ``predict`` takes the class with most pairwise
votes.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_is_fitted,
    validate_data,
)
from groundup.classical_ml.classification.linear_svc import LinearSVC, fit_svm_labels
from groundup.classical_ml.classification.smo import KernelRows, solve_smo

__all__ = ["SVC", "LinearSVC", "kernel_matrix"]


# --- kernels ---------------------------------------------------------------------


def kernel_matrix(
    A: np.ndarray, B: np.ndarray, kernel: str, gamma: float, degree: int, coef0: float
) -> np.ndarray:
    """The kernel between the rows of ``A`` (m, d) and ``B`` (n, d), shape (m, n)."""
    dot = A @ B.T  # (m, n)
    if kernel == "linear":
        return dot
    if kernel == "rbf":
        # $\lVert a - b\rVert^2 = \lVert a\rVert^2 - 2a^\top b + \lVert b\rVert^2$
        sq = np.einsum("ij,ij->i", A, A)[:, None] - 2.0 * dot + np.einsum("ij,ij->i", B, B)[None]
        return np.exp(-gamma * np.maximum(sq, 0.0))
    if kernel == "poly":
        return (gamma * dot + coef0) ** degree
    return np.tanh(gamma * dot + coef0)  # sigmoid


def _ovr_decision(dec: np.ndarray, n_classes: int) -> np.ndarray:
    r"""One-vs-one decisions (n, K(K-1)/2) -> one-vs-rest scores (n, K), as scikit-learn's.

    Score = votes + (summed confidences)/(3(|summed confidences| + 1)), the second term in
    (-1/3, 1/3) so it only breaks ties between equal vote counts.
    """
    n = dec.shape[0]
    votes = np.zeros((n, n_classes))
    confidence = np.zeros((n, n_classes))
    k = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            confidence[:, a] += dec[:, k]
            confidence[:, b] -= dec[:, k]
            votes[:, a] += dec[:, k] > 0
            votes[:, b] += dec[:, k] <= 0
            k += 1
    return votes + confidence / (3.0 * (np.abs(confidence) + 1.0))


class SVC(ClassifierMixin, BaseEstimator):
    r"""Kernel SVM trained by SMO (libsvm's WSS2), one-vs-one for several classes.

    Parameters
    ----------
    C : float, default=1.0
        Box constraint $0 \le \alpha_t \le C$.
    kernel : {"linear", "rbf", "poly", "sigmoid"}, default="rbf"
    degree : int, default=3
        $p$ of the polynomial kernel.
    gamma : {"scale", "auto"} or float, default="scale"
        $\gamma$: ``"scale"`` $= 1/(d\,\mathrm{Var}(X))$, ``"auto"`` $= 1/d$.
    coef0 : float, default=0.0
        $c_0$ of the polynomial and sigmoid kernels.
    tol : float, default=1e-3
        SMO stops when the maximal KKT violation $m(\alpha) - M(\alpha) <$ ``tol``.
    cache_size : float, default=200
        Megabytes of kernel rows kept per binary problem.
    max_iter : int, default=-1
        SMO iterations per binary problem; -1 for no limit.
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
        Shape of ``decision_function`` for more than two classes.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors, grouped by class.
    support_vectors_ : ndarray of shape (n_SV, n_features)
    n_support_ : ndarray of shape (n_classes,)
    dual_coef_ : ndarray of shape (n_classes - 1, n_SV)
        $y_t \alpha_t$ of each support vector in each of the pairwise problems it is part
        of (libsvm's layout: for a vector of class $c$, row $o$ holds the problem against
        class $o < c$ and row $o - 1$ the problem against class $o > c$).
    intercept_ : ndarray of shape (n_classes (n_classes - 1) / 2,)
        $-\rho$ of each pairwise problem (two classes: as scikit-learn, the signs of
        ``dual_coef_`` and ``intercept_`` are flipped so positive means ``classes_[1]``).
    n_iter_ : ndarray of shape (n_classes (n_classes - 1) / 2,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [1.1, 1.0]])
    >>> SVC(kernel="linear").fit(X, [0, 0, 1, 1]).predict([[0.05, 0.0], [1.05, 1.0]])
    array([0, 1])
    """

    def __init__(
        self,
        C: float = 1.0,
        kernel: str = "rbf",
        degree: int = 3,
        gamma: str | float = "scale",
        coef0: float = 0.0,
        tol: float = 1e-3,
        cache_size: float = 200,
        max_iter: int = -1,
        decision_function_shape: str = "ovr",
    ) -> None:
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape

    def _check_params(self, X: np.ndarray) -> float:
        """Validate the hyper-parameters; return the numeric $\\gamma$."""
        if self.kernel not in ("linear", "rbf", "poly", "sigmoid"):
            raise ValueError(
                f"kernel must be 'linear', 'rbf', 'poly' or 'sigmoid', got {self.kernel!r}."
            )
        if isinstance(self.C, bool) or not np.isscalar(self.C) or not self.C > 0:
            raise ValueError(f"C must be a positive float, got {self.C!r}.")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError(
                f"decision_function_shape must be 'ovr' or 'ovo', got {self.decision_function_shape!r}."
            )
        if (
            isinstance(self.degree, bool)
            or not isinstance(self.degree, numbers.Integral)
            or self.degree < 0
        ):
            raise ValueError(f"degree must be a non-negative integer, got {self.degree!r}.")
        if self.gamma == "scale":
            var = X.var()
            return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        if self.gamma == "auto":
            return 1.0 / X.shape[1]
        if isinstance(self.gamma, str) or not self.gamma >= 0:
            raise ValueError(
                f"gamma must be 'scale', 'auto' or a non-negative float, got {self.gamma!r}."
            )
        return float(self.gamma)

    def _kernel_fn(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        return partial(
            kernel_matrix,
            kernel=self.kernel,
            gamma=self._gamma,
            degree=self.degree,
            coef0=self.coef0,
        )

    def fit(self, X: Any, y: Any) -> SVC:
        """Fit on ``X`` of shape (n_samples, n_features) and labels ``y`` of shape (n_samples,)."""
        X, y_idx = fit_svm_labels(self, X, y)
        self._gamma = self._check_params(X)
        K = len(self.classes_)
        kernel = self._kernel_fn()
        coef = {}  # (a, b) -> (indices, y_t alpha_t) of the pair's support vectors
        rhos, iters = [], []
        for a in range(K):
            for b in range(a + 1, K):
                idx = np.flatnonzero((y_idx == a) | (y_idx == b))  # (n_ab,), sorted
                y_ab = np.where(y_idx[idx] == a, 1.0, -1.0)  # class a is +1, as libsvm
                rows = KernelRows(X[idx], kernel, self.cache_size)
                alpha, rho, n_iter, converged = solve_smo(
                    rows, y_ab, self.C, self.tol, self.max_iter
                )
                if not converged:
                    warnings.warn(
                        f"SVC: SMO stopped at max_iter={self.max_iter} before reaching "
                        f"tol={self.tol} (classes {self.classes_[a]!r} vs {self.classes_[b]!r}).",
                        ConvergenceWarning,
                        stacklevel=2,
                    )
                sv = alpha > 0
                coef[a, b] = (idx[sv], y_ab[sv] * alpha[sv])
                rhos.append(rho)
                iters.append(n_iter)
        # support vectors of class c: its points with alpha > 0 in any pair, by index
        per_class = []
        for c in range(K):
            used = [coef[min(c, o), max(c, o)][0] for o in range(K) if o != c]
            members = np.unique(np.concatenate(used))
            per_class.append(members[y_idx[members] == c])
        self.support_ = np.concatenate(per_class).astype(np.int32)  # (n_SV,)
        self.n_support_ = np.array([len(m) for m in per_class], dtype=np.int32)
        position = {int(t): p for p, t in enumerate(self.support_)}
        dual = np.zeros((K - 1, len(self.support_)))
        for (a, b), (idx, values) in coef.items():
            for t, v in zip(idx, values):
                c = y_idx[t]
                other = b if c == a else a
                dual[other if other < c else other - 1, position[int(t)]] = v
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = dual
        self.intercept_ = -np.array(rhos)
        self.n_iter_ = np.array(iters)
        if K == 2:  # scikit-learn's sign: positive decision means classes_[1]
            self.dual_coef_ = -self.dual_coef_
            self.intercept_ = -self.intercept_
        return self

    def _pairwise_decision(self, X: np.ndarray) -> np.ndarray:
        r"""$f_{ab}(x) = \sum_t y_t\alpha_t K(x_t, x) - \rho_{ab}$ for every pair, shape (n, K(K-1)/2)."""
        K = len(self.classes_)
        kernel = self._kernel_fn()
        Kx = kernel(X, self.support_vectors_)  # (n, n_SV)
        if K == 2:
            return (Kx @ self.dual_coef_[0] + self.intercept_[0])[:, None]
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        out = np.empty((X.shape[0], K * (K - 1) // 2))
        k = 0
        for a in range(K):
            sa = slice(starts[a], starts[a + 1])
            for b in range(a + 1, K):
                sb = slice(starts[b], starts[b + 1])
                # class-a vectors store this pair in row b-1, class-b vectors in row a
                out[:, k] = (
                    Kx[:, sa] @ self.dual_coef_[b - 1, sa]
                    + Kx[:, sb] @ self.dual_coef_[a, sb]
                    + self.intercept_[k]
                )
                k += 1
        return out

    @property
    def coef_(self) -> np.ndarray:
        """Primal weights (linear kernel only), shape (n_classes (n_classes - 1) / 2, n_features)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when using a linear kernel")
        check_is_fitted(self, "support_vectors_")
        K = len(self.classes_)
        if K == 2:
            return self.dual_coef_ @ self.support_vectors_  # (1, d)
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        rows = []
        for a in range(K):
            sa = slice(starts[a], starts[a + 1])
            for b in range(a + 1, K):
                sb = slice(starts[b], starts[b + 1])
                rows.append(
                    self.dual_coef_[b - 1, sa] @ self.support_vectors_[sa]
                    + self.dual_coef_[a, sb] @ self.support_vectors_[sb]
                )
        return np.array(rows)

    def decision_function(self, X: Any) -> np.ndarray:
        """Two classes: (n_samples,), positive for ``classes_[1]``; else (n_samples, n_classes)
        (``"ovr"``) or (n_samples, n_classes (n_classes - 1) / 2) (``"ovo"``)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False).astype(np.float64, copy=False)
        dec = self._pairwise_decision(X)
        if len(self.classes_) == 2:
            return dec[:, 0]
        if self.decision_function_shape == "ovo":
            return dec
        return _ovr_decision(dec, len(self.classes_))

    def predict(self, X: Any) -> np.ndarray:
        """The class with most pairwise votes (ties: the first such class), shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False).astype(np.float64, copy=False)
        dec = self._pairwise_decision(X)
        K = len(self.classes_)
        if K == 2:
            return self.classes_[(dec[:, 0] > 0).astype(np.intp)]
        votes = np.zeros((X.shape[0], K))
        k = 0
        for a in range(K):
            for b in range(a + 1, K):
                votes[:, a] += dec[:, k] > 0
                votes[:, b] += dec[:, k] <= 0
                k += 1
        return self.classes_[np.argmax(votes, axis=1)]
