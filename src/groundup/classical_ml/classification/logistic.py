r"""Logistic regression, binary and multinomial, with an L2 penalty, solved by L-BFGS or Newton.

With the intercept folded in ($\tilde x = [x, 1]$, parameters $\Theta$ of shape $(K', d+1)$,
$K' = 1$ for two classes and $K' = K$ otherwise) the scores are $z = \Theta \tilde x$ and

- binary: $p(y = 1 \mid x) = \sigma(z)$, loss $\ell = \log(1 + e^{z}) - y z$;
- multinomial: $p(c \mid x) = \mathrm{softmax}(z)_c$, loss $\ell = \log\sum_k e^{z_k} - z_y$.

The objective is scikit-learn's, $C \sum_i \ell_i + \frac12 \lVert W \rVert^2$ (the intercept
column is not penalised), divided by $Cn$ so that gradients do not grow with $n$:

$$ F(\Theta) = \frac1n \sum_{i=1}^n \ell_i + \frac{1}{2Cn} \lVert W \rVert_F^2 ,
\qquad \nabla_\Theta F = \frac1n (P - Y)^\top \tilde X + \frac{1}{Cn} [W, 0] , $$

where $P$ holds the probabilities and $Y$ the one-hot targets ($(n, K')$; for binary
$P = \sigma(z)$, $Y = y$). Both solvers stop when $\lVert \nabla F \rVert_\infty \le$ ``tol``.

**L-BFGS** (Nocedal & Wright, Alg. 7.4–7.5) keeps the last $m$ pairs
$s_k = \theta_{k+1} - \theta_k$, $y_k = \nabla F_{k+1} - \nabla F_k$ and applies the inverse
Hessian approximation to the gradient by the two-loop recursion, with a backtracking
(Armijo) line search.

**Newton** solves $H \Delta = -\nabla F$ with the exact Hessian
$H = \frac1n \sum_i (\mathrm{diag}(p_i) - p_i p_i^\top) \otimes \tilde x_i \tilde x_i^\top + \frac{1}{Cn} I_W$
(binary: $\frac1n \tilde X^\top \mathrm{diag}(p(1-p)) \tilde X$, i.e. IRLS), also with
backtracking. It is quadratically convergent but forms a $K'(d+1)$-square matrix.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
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
from groundup.utils.math_utils import log_sigmoid, log_softmax, sigmoid, softmax

__all__ = ["LogisticRegression", "minimize_lbfgs"]

FunGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _backtrack(
    fun_grad: FunGrad,
    theta: np.ndarray,
    f: float,
    g: np.ndarray,
    direction: np.ndarray,
    step: float,
) -> tuple[np.ndarray, float, np.ndarray]:
    r"""Halve ``step`` until Armijo's condition $F(\theta + t p) \le F(\theta) + 10^{-4} t \nabla F^\top p$."""
    slope = float(g @ direction)
    for _ in range(60):
        theta_new = theta + step * direction
        f_new, g_new = fun_grad(theta_new)
        if f_new <= f + 1e-4 * step * slope:
            break
        step *= 0.5
    return theta_new, f_new, g_new


FTOL = 64 * np.finfo(np.float64).eps
"""Relative decrease of $F$ below which a solver stops: rounding, not progress, is left."""


def _stalled(f_prev: float, f: float) -> bool:
    r"""$(F_k - F_{k+1}) \le \text{FTOL}\cdot\max(|F_k|, |F_{k+1}|, 1)$ (SciPy's L-BFGS-B ``ftol``, as scikit-learn sets it)."""
    return f_prev - f <= FTOL * max(abs(f_prev), abs(f), 1.0)


def minimize_lbfgs(
    fun_grad: FunGrad, theta0: np.ndarray, tol: float, max_iter: int, m: int = 10
) -> tuple[np.ndarray, int, bool]:
    r"""Minimise a smooth convex $F$ by L-BFGS; return $(\theta, \text{iterations}, \text{converged})$.

    Parameters
    ----------
    fun_grad : callable
        $\theta \mapsto (F(\theta), \nabla F(\theta))$, both for ``theta`` of shape (p,).
    theta0 : ndarray of shape (p,)
    tol : float
        Stop when $\lVert \nabla F \rVert_\infty \le$ ``tol``, or when a step decreases $F$
        by less than ``FTOL`` relative (the gradient is then at its rounding floor).
    max_iter : int
    m : int
        Number of $(s, y)$ pairs kept.
    """
    theta = theta0.copy()
    f, g = fun_grad(theta)
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    for it in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= tol:
            return theta, it - 1, True
        # two-loop recursion: $p = -H_k \nabla F$
        q = g.copy()
        alphas = []
        for s, y in zip(reversed(S), reversed(Y)):
            alpha = (s @ q) / (y @ s)
            q -= alpha * y
            alphas.append(alpha)
        # initial inverse Hessian $\gamma I$, $\gamma = s^\top y / y^\top y$ (or a unit first step)
        gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if S else 1.0 / max(np.abs(g).sum(), 1.0)
        r = gamma * q
        for s, y, alpha in zip(S, Y, reversed(alphas)):
            beta = (y @ r) / (y @ s)
            r += (alpha - beta) * s
        direction = -r
        theta_new, f_new, g_new = _backtrack(fun_grad, theta, f, g, direction, 1.0)
        s, y = theta_new - theta, g_new - g
        if s @ y > 1e-12 * np.sqrt((s @ s) * (y @ y)):  # keep H positive definite
            S.append(s)
            Y.append(y)
            if len(S) > m:
                S.pop(0)
                Y.pop(0)
        f_prev, (theta, f, g) = f, (theta_new, f_new, g_new)
        if _stalled(f_prev, f):
            return theta, it, True
    return theta, max_iter, bool(np.max(np.abs(g)) <= tol)


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""L2-regularised logistic regression (binomial for two classes, multinomial otherwise).

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Fit (unpenalised) intercepts.
    tol : float, default=1e-4
        Stop when $\lVert\nabla F\rVert_\infty \le$ ``tol`` ($F$ as in the module docstring,
        the same scaled objective scikit-learn's lbfgs uses).
    max_iter : int, default=100
    solver : {"lbfgs", "newton"}, default="lbfgs"

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> LogisticRegression().fit(X, [0, 0, 1, 1]).predict([[-3.0], [3.0]])
    array([0, 1])
    """

    def __init__(
        self,
        C: float = 1.0,
        fit_intercept: bool = True,
        tol: float = 1e-4,
        max_iter: int = 100,
        solver: str = "lbfgs",
    ) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver

    # --- the objective ------------------------------------------------------------

    def _loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r"""$F(\Theta)$ and $\nabla_\Theta F$ (flattened, shape (K'(d+1),))."""
        # BEGIN SOLUTION
        X, Y, K, inv_Cn = self._X, self._Y, self._K, self._inv_Cn
        n = X.shape[0]
        Theta = theta.reshape(K, -1)  # (K', d+1)
        Z = X @ Theta.T  # (n, K')
        if K == 1:
            # $\ell = \log(1 + e^{z}) - yz = -\log\sigma(z) + (1 - y) z$
            loss = -np.sum(log_sigmoid(Z)) + np.sum((1.0 - Y) * Z)
            P = sigmoid(Z)
        else:
            # $\ell = -\log \mathrm{softmax}(z)_y$
            loss = -np.sum(Y * log_softmax(Z, axis=1))
            P = softmax(Z, axis=1)
        W = Theta * self._penalty_mask  # (K', d+1), intercept column zeroed
        f = loss / n + 0.5 * inv_Cn * np.sum(W * W)
        # $\nabla F = \frac1n (P - Y)^\top \tilde X + \frac{1}{Cn}[W, 0]$
        G = (P - Y).T @ X / n + inv_Cn * W  # (K', d+1)
        return float(f), G.ravel()
        # END SOLUTION

    def _newton(self, theta: np.ndarray) -> tuple[np.ndarray, int, bool]:
        X, K = self._X, self._K
        n, D = X.shape
        ridge = np.tile(self._penalty_mask[0], K) * self._inv_Cn  # (K'D,)
        f, g = self._loss_grad(theta)
        for it in range(1, self.max_iter + 1):
            if np.max(np.abs(g)) <= self.tol:
                return theta, it - 1, True
            Z = X @ theta.reshape(K, D).T  # (n, K')
            P = sigmoid(Z) if K == 1 else softmax(Z, axis=1)
            H = np.empty((K * D, K * D))
            for k in range(K):
                for l in range(k, K):
                    # $H_{kl} = \frac1n \tilde X^\top \mathrm{diag}(p_k(\delta_{kl} - p_l)) \tilde X$
                    w = P[:, k] * ((k == l) - P[:, l]) if K > 1 else P[:, 0] * (1 - P[:, 0])
                    block = (X * w[:, None]).T @ X / n  # (D, D)
                    H[k * D : (k + 1) * D, l * D : (l + 1) * D] = block
                    H[l * D : (l + 1) * D, k * D : (k + 1) * D] = block
            H.flat[:: K * D + 1] += ridge + 1e-12  # the softmax's flat direction stays solvable
            direction = -np.linalg.solve(H, g)
            f_prev = f
            theta, f, g = _backtrack(self._loss_grad, theta, f, g, direction, 1.0)
            if _stalled(f_prev, f):
                return theta, it, True
        return theta, self.max_iter, bool(np.max(np.abs(g)) <= self.tol)

    # --- fit and predict ----------------------------------------------------------

    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Fit on ``X`` of shape (n_samples, n_features) and labels ``y`` of shape (n_samples,)."""
        if self.solver not in ("lbfgs", "newton"):
            raise ValueError(f"solver must be 'lbfgs' or 'newton', got {self.solver!r}.")
        if isinstance(self.C, bool) or not np.isscalar(self.C) or not self.C > 0:
            raise ValueError(f"C must be a positive float (np.inf for no penalty), got {self.C!r}.")
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]}."
            )
        n, d = X.shape
        ones = np.ones((n, 1)) if self.fit_intercept else np.zeros((n, 1))
        self._X = np.hstack([X, ones])  # (n, d+1): $\tilde X$
        self._K = 1 if n_classes == 2 else n_classes
        if self._K == 1:
            self._Y = y_idx[:, None].astype(np.float64)  # (n, 1)
        else:
            self._Y = np.eye(n_classes)[y_idx]  # (n, K) one-hot
        self._penalty_mask = np.ones((1, d + 1))
        self._penalty_mask[0, -1] = 0.0
        self._inv_Cn = 0.0 if np.isinf(self.C) else 1.0 / (self.C * n)
        theta0 = np.zeros(self._K * (d + 1))
        try:
            if self.solver == "lbfgs":
                theta, n_iter, converged = minimize_lbfgs(
                    self._loss_grad, theta0, self.tol, self.max_iter
                )
            else:
                theta, n_iter, converged = self._newton(theta0)
        finally:
            del self._X, self._Y, self._K, self._penalty_mask, self._inv_Cn
        if not converged:
            warnings.warn(
                f"LogisticRegression ({self.solver}) did not converge in max_iter="
                f"{self.max_iter} iterations (tol={self.tol}); increase max_iter or scale "
                "the features.",
                ConvergenceWarning,
                stacklevel=2,
            )
        Theta = theta.reshape(-1, d + 1)
        self.coef_ = Theta[:, :d].copy()  # (K', d)
        self.intercept_ = Theta[:, d].copy() if self.fit_intercept else np.zeros(len(Theta))
        if len(Theta) > 1:
            # softmax is unchanged by a shift shared by all classes and the intercepts are
            # not penalised: report the representative with $\sum_k b_k = 0$
            self.intercept_ -= self.intercept_.mean()
        self.n_iter_ = np.array([max(n_iter, 1)])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        r"""Scores $z = Wx + b$: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        Z = X @ self.coef_.T + self.intercept_  # (n, K')
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""$\log p(c \mid x)$, shape (n_samples, n_classes)."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            # $\log(1 - \sigma(z)) = \log\sigma(-z)$
            return np.stack([log_sigmoid(-Z), log_sigmoid(Z)], axis=1)
        return log_softmax(Z, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""$p(c \mid x)$, shape (n_samples, n_classes); rows sum to 1."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            # $[\sigma(-z), \sigma(z)]$: no $1 - p$ cancellation when $p \approx 1$
            return np.stack([sigmoid(-Z), sigmoid(Z)], axis=1)
        return softmax(Z, axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class, shape (n_samples,)."""
        Z = self.decision_function(X)
        idx = (Z > 0).astype(np.intp) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[idx]
