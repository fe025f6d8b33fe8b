r"""Ordinary least squares: closed form (SVD least squares) and gradient descent.

The model is $\hat y = X w + b$. Least squares minimises

$$ L(w, b) = \frac{1}{2n} \lVert X w + b\mathbf{1} - y \rVert^2 . $$

The intercept is eliminated by centring: with $\bar x$ the column means of $X$ and
$\bar y$ the mean of $y$, the optimum has $b = \bar y - \bar x^\top w$ and $w$ minimises
$\lVert X_c w - y_c \rVert^2$ for $X_c = X - \bar x$, $y_c = y - \bar y$. The closed form
solves that by the SVD (``np.linalg.lstsq``), which gives the minimum-norm $w$ when
$X_c$ is rank deficient. The gradient-descent solver iterates

$$ w \leftarrow w - \eta \nabla_w L, \qquad \nabla_w L = \tfrac{1}{n} X_c^\top (X_c w - y_c), $$

with the step $\eta = 1/\lambda_{\max}(X_c^\top X_c / n)$ (the inverse Lipschitz
constant of the gradient, so the iteration cannot diverge) unless ``lr`` is given.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ConvergenceWarning,
    RegressorMixin,
    check_is_fitted,
    validate_data,
)

__all__ = ["LinearRegression"]


def center_data(
    X: np.ndarray, y: np.ndarray, fit_intercept: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Centre $X$ and $y$ for the intercept (or leave them, if ``fit_intercept`` is False).

    Returns
    -------
    X_c : ndarray of shape (n_samples, n_features)
    y_c : ndarray of shape (n_samples,) or (n_samples, n_targets)
    x_mean : ndarray of shape (n_features,)
    y_mean : ndarray of shape () or (n_targets,)
    """
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), np.zeros(y.shape[1:])
    x_mean = X.mean(axis=0)  # (d,)
    y_mean = y.mean(axis=0)  # () or (t,)
    return X - x_mean, y - y_mean, x_mean, y_mean


def set_intercept(
    coef: np.ndarray, x_mean: np.ndarray, y_mean: np.ndarray, fit_intercept: bool
) -> np.ndarray | float:
    r"""$b = \bar y - w^\top \bar x$ for ``coef`` of shape (n_features,) or (n_targets, n_features)."""
    if not fit_intercept:
        return 0.0 if coef.ndim == 1 else np.zeros(coef.shape[0])
    b = y_mean - coef @ x_mean
    return float(b) if coef.ndim == 1 else b


class LinearRegression(RegressorMixin, BaseEstimator):
    r"""Ordinary least squares linear regression.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Fit $b$ (by centring the data); otherwise $b = 0$.
    solver : {"lstsq", "gd"}, default="lstsq"
        ``"lstsq"``: the closed form by SVD least squares. ``"gd"``: full-batch
        gradient descent on $\frac{1}{2n}\lVert X_c w - y_c\rVert^2$.
    lr : float or None, default=None
        Gradient-descent step $\eta$; ``None`` uses $1/\lambda_{\max}(X_c^\top X_c/n)$.
    max_iter : int, default=10000
        Maximum gradient-descent iterations.
    tol : float, default=1e-8
        Gradient descent stops when $\lVert \nabla_w L \rVert_\infty \le$ ``tol``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int
        Gradient-descent iterations run (1 for the closed form: one solve).
    rank_, singular_ : int, ndarray of shape (min(n_samples, n_features),)
        Rank and singular values of $X_c$ (closed form only).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> LinearRegression().fit(X, 2 * X[:, 0] + 1).coef_.round(6)
    array([2.])
    """

    def __init__(
        self,
        fit_intercept: bool = True,
        solver: str = "lstsq",
        lr: float | None = None,
        max_iter: int = 10000,
        tol: float = 1e-8,
    ) -> None:
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.lr = lr
        self.max_iter = max_iter
        self.tol = tol

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit on ``X`` of shape (n_samples, n_features), ``y`` of shape (n_samples,) or (n_samples, n_targets)."""
        if self.solver not in ("lstsq", "gd"):
            raise ValueError(f"solver must be 'lstsq' or 'gd', got {self.solver!r}.")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        y = y.astype(np.float64, copy=False)
        X_c, y_c, x_mean, y_mean = center_data(X, y, self.fit_intercept)
        # BEGIN SOLUTION
        if self.solver == "lstsq":
            # $w = \arg\min_w \lVert X_c w - y_c \rVert^2$ (minimum norm), by SVD
            coef, _, self.rank_, self.singular_ = np.linalg.lstsq(X_c, y_c, rcond=None)
            self.n_iter_ = 1
        else:
            coef = self._gradient_descent(X_c, y_c)
        self.coef_ = coef.T  # (d,) or (t, d)
        self.intercept_ = set_intercept(self.coef_, x_mean, y_mean, self.fit_intercept)
        return self
        # END SOLUTION

    def _gradient_descent(self, X_c: np.ndarray, y_c: np.ndarray) -> np.ndarray:
        # BEGIN SOLUTION
        n = X_c.shape[0]
        gram = X_c.T @ X_c / n  # (d, d)
        Xty = X_c.T @ y_c / n  # (d,) or (d, t)
        if self.lr is None:
            # $\eta = 1 / \lambda_{\max}(X_c^\top X_c / n)$
            lam_max = np.linalg.eigvalsh(gram)[-1]
            lr = 1.0 / lam_max if lam_max > 0 else 1.0
        else:
            lr = self.lr
        w = np.zeros(Xty.shape)  # (d,) or (d, t)
        for it in range(1, self.max_iter + 1):
            self.n_iter_ = it
            # $\nabla_w L = \frac{1}{n} X_c^\top (X_c w - y_c) = G w - X_c^\top y_c / n$
            grad = gram @ w - Xty
            w = w - lr * grad
            if not np.all(np.isfinite(w)):
                raise FloatingPointError(
                    f"gradient descent diverged with lr={lr}; use a smaller lr (or lr=None)."
                )
            if np.max(np.abs(grad)) <= self.tol:
                break
        else:
            warnings.warn(
                f"LinearRegression(solver='gd') did not converge in max_iter={self.max_iter} "
                f"iterations (tol={self.tol}).",
                ConvergenceWarning,
                stacklevel=3,
            )
        return w
        # END SOLUTION

    def predict(self, X: Any) -> np.ndarray:
        r"""$\hat y = X w + b$, shape (n_samples,) or (n_samples, n_targets)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X @ self.coef_.T + self.intercept_
