r"""Ridge regression: least squares with an L2 penalty on the weights (not the intercept).

Ridge minimises

$$ \lVert X w + b\mathbf{1} - y \rVert^2 + \alpha \lVert w \rVert^2 . $$

Centring removes the intercept as in ordinary least squares ($b = \bar y - \bar x^\top w$,
so $b$ is not penalised), and setting the gradient in $w$ to zero gives the normal
equations

$$ (X_c^\top X_c + \alpha I_d)\, w = X_c^\top y_c , $$

a symmetric positive-definite $d \times d$ system (solved by LU; least squares if
$\alpha = 0$ leaves it singular). When there are
more features than samples the same solution comes cheaper from the $n \times n$
"dual" system (the push-through identity):

$$ w = X_c^\top (X_c X_c^\top + \alpha I_n)^{-1} y_c . $$
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    RegressorMixin,
    check_is_fitted,
    validate_data,
)
from groundup.classical_ml.regression.linear import center_data, set_intercept

__all__ = ["Ridge"]


def _solve_spd(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve ``A x = B`` for symmetric positive (semi)definite ``A`` (d, d); lstsq if singular."""
    try:
        # NumPy has no triangular solve, so LU (LAPACK gesv) is as fast as Cholesky here
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(A, B, rcond=None)[0]


class Ridge(RegressorMixin, BaseEstimator):
    r"""Linear least squares with L2 regularisation, solved in closed form.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength $\alpha \ge 0$ on $\lVert w \rVert^2$.
    fit_intercept : bool, default=True
        Fit an (unpenalised) intercept by centring the data.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        (n_targets, n_features) whenever ``y`` is 2-D, also for one column, as
        ``LinearRegression``'s; scikit-learn's Ridge gives (n_features,) for a (n, 1) ``y``.
    intercept_ : float or ndarray of shape (n_targets,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> Ridge(alpha=0.0).fit(X, 3 * X[:, 0]).coef_.round(6)
    array([3.])
    """

    def __init__(self, alpha: float = 1.0, fit_intercept: bool = True) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> Ridge:
        """Fit on ``X`` of shape (n_samples, n_features), ``y`` of shape (n_samples,) or (n_samples, n_targets)."""
        if isinstance(self.alpha, bool) or not np.isscalar(self.alpha) or not self.alpha >= 0:
            raise ValueError(f"alpha must be a non-negative float, got {self.alpha!r}.")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        y = y.astype(np.float64, copy=False)
        X_c, y_c, x_mean, y_mean = center_data(X, y, self.fit_intercept)
        # BEGIN SOLUTION
        n, d = X_c.shape
        if d <= n:
            # primal: $(X_c^\top X_c + \alpha I_d) w = X_c^\top y_c$
            A = X_c.T @ X_c  # (d, d)
            A.flat[:: d + 1] += self.alpha
            coef = _solve_spd(A, X_c.T @ y_c)  # (d,) or (d, t)
        else:
            # dual: $w = X_c^\top (X_c X_c^\top + \alpha I_n)^{-1} y_c$
            K = X_c @ X_c.T  # (n, n)
            K.flat[:: n + 1] += self.alpha
            coef = X_c.T @ _solve_spd(K, y_c)  # (d,) or (d, t)
        self.coef_ = coef.T  # (d,) or (t, d)
        self.intercept_ = set_intercept(self.coef_, x_mean, y_mean, self.fit_intercept)
        return self
        # END SOLUTION

    def predict(self, X: Any) -> np.ndarray:
        r"""$\hat y = X w + b$, shape (n_samples,) or (n_samples, n_targets)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X @ self.coef_.T + self.intercept_
