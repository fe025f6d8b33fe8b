r"""Gaussian mixture models fitted by expectation-maximisation (Dempster, Laird & Rubin, 1977).

The model: $p(x) = \sum_{k=1}^K \pi_k\, \mathcal N(x \mid \mu_k, \Sigma_k)$. EM maximises the
log-likelihood by alternating

- E-step: responsibilities $\gamma_{ik} = \dfrac{\pi_k \mathcal N(x_i\mid\mu_k,\Sigma_k)}
  {\sum_j \pi_j \mathcal N(x_i\mid\mu_j,\Sigma_j)}$;
- M-step: $N_k = \sum_i \gamma_{ik}$, $\pi_k = N_k / n$, $\mu_k = \frac{1}{N_k}\sum_i
  \gamma_{ik} x_i$, $\Sigma_k = \frac{1}{N_k}\sum_i \gamma_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top +
  \epsilon I$ ($\epsilon$ = ``reg_covar`` keeps $\Sigma_k$ positive definite).

Each EM iteration cannot decrease the average log-likelihood
$\mathcal L = \frac1n \sum_i \log \sum_k \pi_k \mathcal N(x_i\mid\mu_k,\Sigma_k)$ (the
``lower_bound_``; recorded at every iteration in ``lower_bounds_``); EM stops when it changes
by less than ``tol``.

Everything is computed in log space through the Cholesky factor of each *precision*
$\Sigma_k^{-1} = P_k P_k^\top$ (``precisions_cholesky_``):

$$ \log \mathcal N(x\mid\mu_k,\Sigma_k) = -\tfrac12\big(d \log 2\pi +
   \lVert P_k^\top (x - \mu_k)\rVert^2\big) + \log\det P_k, $$

and responsibilities by log-sum-exp, so no density ever under- or overflows. Covariance
types: "full" ($\Sigma_k$), "tied" (one $\Sigma$), "diag" (diagonal $\Sigma_k$), "spherical"
($\sigma_k^2 I$).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.concatenate([rng.normal(-3, 1, (100, 2)), rng.normal(3, 1, (100, 2))])
>>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
>>> np.round(np.sort(gm.means_[:, 0])).tolist(), bool(gm.converged_)
([-3.0, 3.0], True)
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from groundup.classical_ml.base import BaseEstimator, check_is_fitted, validate_data
from groundup.classical_ml.clustering.kmeans import ConvergenceWarning, KMeans, kmeans_plusplus
from groundup.utils.seeding import make_rng

__all__ = ["GaussianMixture"]

_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    r"""$\log\sum_j e^{a_j} = m + \log\sum_j e^{a_j - m}$, $m = \max_j a_j$ (no overflow)."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def estimate_gaussian_parameters(
    X: np.ndarray, resp: np.ndarray, reg_covar: float, covariance_type: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""M-step statistics $N_k$ (K,), $\mu_k$ (K, d) and the covariances from responsibilities (n, K).

    Covariances have shape (K, d, d) full, (d, d) tied, (K, d) diag, (K,) spherical.
    """
    # $N_k = \sum_i \gamma_{ik}$ (plus a hair, so an empty component does not divide by zero)
    # BEGIN SOLUTION
    nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps  # (K,)
    means = resp.T @ X / nk[:, None]  # (K, d)
    d = X.shape[1]
    if covariance_type == "full":
        diff = X[None, :, :] - means[:, None, :]  # (K, n, d)
        # $\Sigma_k = \frac{1}{N_k}\sum_i \gamma_{ik} (x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I$
        cov = np.einsum("nk,kni,knj->kij", resp, diff, diff) / nk[:, None, None]
        cov += reg_covar * np.eye(d)
    elif covariance_type == "tied":
        # $\Sigma = \frac1n\big(\sum_i x_i x_i^\top - \sum_k N_k \mu_k \mu_k^\top\big) + \epsilon I$
        cov = (X.T @ X - (nk[:, None] * means).T @ means) / nk.sum()
        cov += reg_covar * np.eye(d)
    else:
        # $\sigma^2_{kj} = \frac{1}{N_k}\sum_i \gamma_{ik} x_{ij}^2 - \mu_{kj}^2 + \epsilon$
        cov = resp.T @ (X * X) / nk[:, None] - means**2 + reg_covar  # (K, d)
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)  # (K,)
    return nk, means, cov
    # END SOLUTION


_ILL_DEFINED = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)


def precision_cholesky(cov: np.ndarray, covariance_type: str) -> np.ndarray:
    r"""$P$ with $\Sigma^{-1} = P P^\top$: $P = L^{-\top}$ for $\Sigma = L L^\top$; $1/\sigma$ for diag/spherical."""
    if covariance_type in ("full", "tied"):
        try:
            L = np.linalg.cholesky(cov)  # (K, d, d) or (d, d)
        except np.linalg.LinAlgError as e:
            raise ValueError(_ILL_DEFINED) from e
        eye = np.broadcast_to(np.eye(cov.shape[-1]), cov.shape)
        return np.swapaxes(np.linalg.solve(L, eye), -1, -2)  # $L^{-\top}$
    if np.any(cov <= 0.0):
        raise ValueError(_ILL_DEFINED)
    return 1.0 / np.sqrt(cov)


def estimate_log_gaussian_prob(
    X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray, covariance_type: str
) -> np.ndarray:
    r"""$\log \mathcal N(x_i \mid \mu_k, \Sigma_k)$ for every sample and component: (n, d) -> (n, K)."""
    d = X.shape[1]
    if covariance_type in ("full", "tied"):
        P = prec_chol if covariance_type == "full" else prec_chol[None]  # (K or 1, d, d)
        # $\log\det P_k = \sum_j \log (P_k)_{jj}$ (triangular)
        log_det = np.sum(np.log(np.diagonal(P, axis1=1, axis2=2)), axis=1)  # (K or 1,)
        # $y_{ik} = P_k^\top (x_i - \mu_k)$
        Y = np.einsum("nd,kde->nke", X, P) - np.einsum("kd,kde->ke", means, P)[None]
        maha = np.sum(Y**2, axis=2)  # (n, K)
    elif covariance_type == "diag":
        prec = prec_chol**2  # (K, d)
        log_det = np.sum(np.log(prec_chol), axis=1)
        # $\sum_j \lambda_{kj}(x_{ij} - \mu_{kj})^2$, expanded into matrix products
        maha = np.sum(means**2 * prec, axis=1) - 2.0 * X @ (means * prec).T + (X**2) @ prec.T
    else:
        prec = prec_chol**2  # (K,)
        log_det = d * np.log(prec_chol)
        maha = (
            np.sum(means**2, axis=1) * prec
            - 2.0 * (X @ means.T) * prec
            + np.outer(np.sum(X**2, axis=1), prec)
        )
    return -0.5 * (d * np.log(2 * np.pi) + maha) + log_det


class GaussianMixture(BaseEstimator):
    """A Gaussian mixture fitted by EM.

    Parameters
    ----------
    n_components : int
        Number of Gaussians $K$.
    covariance_type : {"full", "tied", "diag", "spherical"}
    tol : float
        EM stops when the lower bound changes by less than this.
    reg_covar : float
        $\\epsilon$ added to the covariance diagonals.
    max_iter : int
        EM iterations per initialisation.
    n_init : int
        Initialisations; the one with the highest final lower bound is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}
        Initial responsibilities: one-hot k-means labels, one-hot nearest k-means++ seed,
        random, or one-hot nearest of K random samples.
    weights_init, means_init, precisions_init : array-like, optional
        Override the initial $\\pi$ (K,), $\\mu$ (K, d) or precisions $\\Sigma^{-1}$ (shape of
        the covariance type).
    random_state : int, Generator or None

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_, precisions_, precisions_cholesky_ : ndarray
        Shape (K, d, d) full, (d, d) tied, (K, d) diag, (K,) spherical.
    converged_ : bool
    n_iter_ : int
    lower_bound_ : float
        Average log-likelihood of the best run (at its last E-step).
    lower_bounds_ : list of float
        Lower bound at every EM iteration of the best run (non-decreasing).
    """

    def __init__(
        self,
        n_components: int = 1,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state

    def _check_params(self, X: np.ndarray) -> None:
        K, (n, d) = self.n_components, X.shape
        if not isinstance(K, numbers.Integral) or K < 1:
            raise ValueError(f"n_components must be an int >= 1, got {K!r}.")
        if n < K:
            raise ValueError(f"Expected n_samples >= n_components but got n_components = {K}, n_samples = {n}")  # fmt: skip
        if self.covariance_type not in _COVARIANCE_TYPES:
            raise ValueError(f"covariance_type must be one of {_COVARIANCE_TYPES}, got {self.covariance_type!r}.")  # fmt: skip
        if self.init_params not in ("kmeans", "k-means++", "random", "random_from_data"):
            raise ValueError(f"init_params must be 'kmeans', 'k-means++', 'random' or 'random_from_data', got {self.init_params!r}.")  # fmt: skip
        for name, low in (("max_iter", 1), ("n_init", 1)):
            if not isinstance(getattr(self, name), numbers.Integral) or getattr(self, name) < low:
                raise ValueError(f"{name} must be an int >= {low}, got {getattr(self, name)!r}.")
        if self.reg_covar < 0 or self.tol < 0:
            raise ValueError(f"reg_covar and tol must be >= 0, got {self.reg_covar!r} and {self.tol!r}.")  # fmt: skip
        shapes = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}
        for name, shape in (
            ("weights_init", (K,)),
            ("means_init", (K, d)),
            ("precisions_init", shapes[self.covariance_type]),
        ):
            value = getattr(self, name)
            if value is not None and np.shape(value) != shape:
                raise ValueError(f"The parameter '{name}' should have the shape of {shape}, but got {np.shape(value)}")  # fmt: skip
        if self.weights_init is not None:
            w = np.asarray(self.weights_init, dtype=np.float64)
            if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
                raise ValueError(f"The parameter 'weights_init' should be non-negative and sum to 1, got {w}.")  # fmt: skip

    def _initial_resp(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, K = X.shape[0], self.n_components
        resp = np.zeros((n, K))
        if self.init_params == "kmeans":
            labels = KMeans(K, n_init=1, random_state=rng).fit(X).labels_
            resp[np.arange(n), labels] = 1.0
        elif self.init_params == "random":
            resp = rng.uniform(size=(n, K))
            resp /= resp.sum(axis=1, keepdims=True)
        else:
            if self.init_params == "k-means++":
                _, seeds = kmeans_plusplus(X, K, random_state=rng)
            else:
                seeds = rng.choice(n, size=K, replace=False)
            nearest = np.argmin(((X[:, None, :] - X[seeds][None]) ** 2).sum(axis=2), axis=1)
            resp[np.arange(n), nearest] = 1.0
        return resp

    def _initialize(self, X: np.ndarray, rng: np.random.Generator) -> None:
        need_resp = self.weights_init is None or self.means_init is None or self.precisions_init is None  # fmt: skip
        resp = self._initial_resp(X, rng) if need_resp else np.full((X.shape[0], self.n_components), 1.0 / self.n_components)  # fmt: skip
        nk, means, cov = estimate_gaussian_parameters(X, resp, self.reg_covar, self.covariance_type)
        self.weights_ = nk / X.shape[0] if self.weights_init is None else np.asarray(self.weights_init, dtype=np.float64)  # fmt: skip
        self.means_ = means if self.means_init is None else np.asarray(self.means_init, dtype=np.float64)  # fmt: skip
        if self.precisions_init is None:
            self.covariances_ = cov
            self.precisions_cholesky_ = precision_cholesky(cov, self.covariance_type)
        else:
            prec = np.asarray(self.precisions_init, dtype=np.float64)
            if self.covariance_type in ("full", "tied"):
                # $\Sigma^{-1} = P P^\top$ with $P$ lower-triangular: $P$ = cholesky of the precision
                self.precisions_cholesky_ = np.linalg.cholesky(prec)
            else:
                self.precisions_cholesky_ = np.sqrt(prec)
            self.covariances_ = cov

    def _weighted_log_prob(self, X: np.ndarray) -> np.ndarray:
        r"""$\log \pi_k + \log\mathcal N(x_i\mid\mu_k,\Sigma_k)$, shape (n, K)."""
        log_gauss = estimate_log_gaussian_prob(X, self.means_, self.precisions_cholesky_, self.covariance_type)  # fmt: skip
        with np.errstate(divide="ignore"):
            return log_gauss + np.log(self.weights_)

    def _e_step(self, X: np.ndarray) -> tuple[float, np.ndarray]:
        r"""Mean $\log p(x_i)$ and $\log\gamma_{ik} = \log\pi_k\mathcal N_k(x_i) - \log p(x_i)$ (n, K)."""
        # BEGIN SOLUTION
        wlp = self._weighted_log_prob(X)
        log_norm = logsumexp(wlp, axis=1)  # $\log p(x_i)$, (n,)
        return float(np.mean(log_norm)), wlp - log_norm[:, None]
        # END SOLUTION

    def _m_step(self, X: np.ndarray, log_resp: np.ndarray) -> None:
        # BEGIN SOLUTION
        nk, self.means_, self.covariances_ = estimate_gaussian_parameters(X, np.exp(log_resp), self.reg_covar, self.covariance_type)  # fmt: skip
        self.weights_ = nk / nk.sum()  # $\pi_k = N_k / n$
        self.precisions_cholesky_ = precision_cholesky(self.covariances_, self.covariance_type)
        # END SOLUTION

    def fit(self, X: Any, y: Any = None) -> GaussianMixture:
        """Run EM ``n_init`` times on X (n_samples, n_features) and keep the best run."""
        self.fit_predict(X, y)
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, then return the most responsible component of each sample, shape (n_samples,)."""
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        self._check_params(X)
        rng = make_rng(self.random_state)
        best_bound, best = -np.inf, None
        for _ in range(self.n_init):
            self._initialize(X, rng)
            lower_bound, bounds, converged = -np.inf, [], False
            for n_iter in range(1, self.max_iter + 1):  # noqa: B007 - read after the loop
                previous = lower_bound
                lower_bound, log_resp = self._e_step(X)
                self._m_step(X, log_resp)
                bounds.append(lower_bound)
                if abs(lower_bound - previous) < self.tol:
                    converged = True
                    break
            if best is None or lower_bound > best_bound:
                best_bound = lower_bound
                best = (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_, n_iter, bounds, converged)  # fmt: skip
        (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_, self.n_iter_, self.lower_bounds_, self.converged_) = best  # fmt: skip
        self.lower_bound_ = best_bound
        if not self.converged_:
            warnings.warn(
                f"Best performing initialization did not converge. Try different init "
                f"parameters, or increase max_iter ({self.max_iter}), tol ({self.tol}) or "
                f"check for degenerate data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        # A last E-step, so the labels agree with the final parameters.
        return np.argmax(self._e_step(X)[1], axis=1)

    @property
    def precisions_(self) -> np.ndarray:
        r"""$\Sigma_k^{-1} = P_k P_k^\top$ (or $1/\sigma^2$ for diag/spherical)."""
        check_is_fitted(self, "precisions_cholesky_")
        P = self.precisions_cholesky_
        if self.covariance_type in ("full", "tied"):
            return P @ np.swapaxes(P, -1, -2)
        return P**2

    def _validate(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "precisions_cholesky_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def score_samples(self, X: Any) -> np.ndarray:
        r"""$\log p(x_i) = \log\sum_k \pi_k \mathcal N(x_i\mid\mu_k,\Sigma_k)$, shape (n_samples,)."""
        return logsumexp(self._weighted_log_prob(self._validate(X)), axis=1)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-likelihood of X."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""Responsibilities $\gamma_{ik}$, shape (n_samples, n_components)."""
        return np.exp(self._e_step(self._validate(X))[1])

    def predict(self, X: Any) -> np.ndarray:
        """Most responsible component, shape (n_samples,)."""
        return np.argmax(self._weighted_log_prob(self._validate(X)), axis=1)

    def _n_parameters(self) -> int:
        K, d = self.means_.shape
        cov = {"full": K * d * (d + 1) / 2, "tied": d * (d + 1) / 2, "diag": K * d, "spherical": K}
        return int(cov[self.covariance_type] + K * d + K - 1)

    def bic(self, X: Any) -> float:
        r"""Bayesian information criterion $-2\log L + p \log n$ (lower is better)."""
        X = self._validate(X)
        return -2 * self.score(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0])

    def aic(self, X: Any) -> float:
        r"""Akaike information criterion $-2\log L + 2p$ (lower is better)."""
        X = self._validate(X)
        return -2 * self.score(X) * X.shape[0] + 2 * self._n_parameters()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.estimator_type = "density_estimator"
        return tags
