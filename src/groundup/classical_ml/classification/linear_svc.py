r"""A linear SVM solved in the primal (scikit-learn's ``LinearSVC``, liblinear's default).

``LinearSVC`` minimises scikit-learn's (liblinear's) default primal objective, the
squared hinge loss with an L2 penalty, one class against the rest:

$$ \min_{\tilde w} \; \tfrac12 \lVert \tilde w \rVert^2 + C \sum_i \max(0,\, 1 - y_i \tilde w^\top \tilde x_i)^2 ,
\qquad \tilde x = [x, s],\; \tilde w = [w, b/s] , $$

with $s$ = ``intercept_scaling`` (so, as in liblinear, the intercept is penalised too).
The objective is once differentiable and piecewise quadratic; with the active set
$I = \{i : 1 - y_i \tilde w^\top \tilde x_i > 0\}$ its gradient and generalised Hessian are

$$ g = \tilde w + 2C \tilde X_I^\top (\tilde X_I \tilde w - y_I), \qquad H = I + 2C \tilde X_I^\top \tilde X_I , $$

and Newton's method with a backtracking line search (as liblinear's trust-region
Newton) converges in a handful of steps.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_classification_targets,
    check_is_fitted,
    validate_data,
)

__all__ = ["LinearSVC", "fit_svm_labels"]


def fit_svm_labels(est: BaseEstimator, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate; set ``classes_``; return X (float64) and class indices; one class is an error."""
    X, y = validate_data(est, X, y, dtype=np.float64)
    check_classification_targets(y)
    est.classes_, y_idx = np.unique(y, return_inverse=True)
    if len(est.classes_) < 2:
        raise ValueError(
            f"The number of classes has to be greater than one; got 1 class ({est.classes_[0]})."
        )
    return X, y_idx


class LinearSVC(ClassifierMixin, BaseEstimator):
    r"""Linear SVM: squared hinge loss + L2 penalty in the primal, one-vs-rest.

    Parameters
    ----------
    C : float, default=1.0
        Weight of the loss against the penalty $\frac12\lVert\tilde w\rVert^2$.
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1.0
        $s$: the constant feature appended to $x$ (its weight is penalised).
    tol : float, default=1e-4
        Stop when $\lVert g \rVert_2 \le$ ``tol`` $\cdot \lVert g_0 \rVert_2$ (as liblinear).
    max_iter : int, default=1000

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        The largest number of Newton steps over the one-vs-rest problems.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> LinearSVC().fit(X, [0, 0, 1, 1]).predict([[-3.0], [3.0]])
    array([0, 1])
    """

    def __init__(
        self,
        C: float = 1.0,
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        tol: float = 1e-4,
        max_iter: int = 1000,
    ) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.tol = tol
        self.max_iter = max_iter

    def _newton(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
        """Minimise the primal for one binary problem, labels ``y`` in {-1, +1}; X is (n, D)."""
        C = self.C

        def objective(w: np.ndarray) -> float:
            margin = np.maximum(0.0, 1.0 - y * (X @ w))  # (n,)
            return 0.5 * w @ w + C * margin @ margin

        w = np.zeros(X.shape[1])
        g0_norm = None
        for it in range(1, self.max_iter + 1):
            z = X @ w  # (n,)
            active = y * z < 1.0  # $I$
            X_I = X[active]
            # $g = \tilde w + 2C \tilde X_I^\top(\tilde X_I \tilde w - y_I)$
            g = w + 2.0 * C * X_I.T @ (z[active] - y[active])
            g_norm = np.linalg.norm(g)
            g0_norm = g_norm if g0_norm is None else g0_norm
            if g_norm <= self.tol * g0_norm:
                return w, it - 1 if it > 1 else 1
            # $H = I + 2C \tilde X_I^\top \tilde X_I$
            H = 2.0 * C * X_I.T @ X_I
            H.flat[:: H.shape[0] + 1] += 1.0
            step = -np.linalg.solve(H, g)
            f, t = objective(w), 1.0
            while objective(w + t * step) > f + 1e-4 * t * (g @ step) and t > 1e-10:
                t *= 0.5
            w = w + t * step
        warnings.warn(
            f"LinearSVC did not converge in max_iter={self.max_iter} Newton steps (tol={self.tol}).",
            ConvergenceWarning,
            stacklevel=3,
        )
        return w, self.max_iter

    def fit(self, X: Any, y: Any) -> LinearSVC:
        """Fit on ``X`` of shape (n_samples, n_features) and labels ``y`` of shape (n_samples,)."""
        if isinstance(self.C, bool) or not np.isscalar(self.C) or not self.C > 0:
            raise ValueError(f"C must be a positive float, got {self.C!r}.")
        X, y_idx = fit_svm_labels(self, X, y)
        n, d = X.shape
        s = self.intercept_scaling if self.fit_intercept else 0.0
        X_tilde = np.hstack([X, np.full((n, 1), s)])  # (n, d+1): $\tilde x = [x, s]$
        # one problem for two classes (classes_[1] positive), else one per class
        targets = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        W, iters = [], []
        for k in targets:
            w, it = self._newton(X_tilde, np.where(y_idx == k, 1.0, -1.0))
            W.append(w)
            iters.append(it)
        W = np.array(W)  # (K', d+1)
        self.coef_ = W[:, :d]
        # $b = s \cdot \tilde w_{d+1}$
        self.intercept_ = s * W[:, d]
        self.n_iter_ = max(iters)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        r"""$w^\top x + b$: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        Z = X @ self.coef_.T + self.intercept_  # (n, K')
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict(self, X: Any) -> np.ndarray:
        """The class with the largest score (two classes: the sign), shape (n_samples,)."""
        Z = self.decision_function(X)
        idx = (Z > 0).astype(np.intp) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[idx]
