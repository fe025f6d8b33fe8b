r"""Naive Bayes: Bayes' rule with features independent given the class.

For classes $c = 1..K$ and a sample $x \in \mathbb{R}^d$, Bayes' rule with the "naive"
assumption $p(x \mid c) = \prod_j p(x_j \mid c)$ gives the joint log-likelihood

$$ \log p(c, x) = \log \pi_c + \sum_{j=1}^d \log p(x_j \mid c) , $$

and the posterior normalises it with a log-sum-exp (computed stably by subtracting the
row maximum first):

$$ \log p(c \mid x) = \log p(c, x) - \log \sum_{c'} e^{\log p(c', x)} . $$

``GaussianNB`` models $p(x_j \mid c) = \mathcal N(x_j; \theta_{cj}, \sigma^2_{cj})$;
``MultinomialNB`` models counts, $p(x \mid c) \propto \prod_j \phi_{cj}^{x_j}$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    check_classification_targets,
    check_is_fitted,
    validate_data,
)
from groundup.utils.math_utils import logsumexp

__all__ = ["GaussianNB", "MultinomialNB"]


class _BaseNB(ClassifierMixin, BaseEstimator):
    """Prediction from a joint log-likelihood $\\log p(c, x)$, shape (n_samples, n_classes)."""

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _fit_classes(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validate; return X (n, d), the one-hot targets Y (n, K) and the class counts (K,)."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)  # (K,), (n,)
        Y = np.zeros((X.shape[0], len(self.classes_)))  # (n, K)
        Y[np.arange(X.shape[0]), y_idx] = 1.0
        self.class_count_ = Y.sum(axis=0)  # (K,)
        return X, Y, self.class_count_

    def predict_joint_log_proba(self, X: Any) -> np.ndarray:
        r"""$\log p(c, x)$ for every class, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._joint_log_likelihood(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""$\log p(c \mid x)$, shape (n_samples, n_classes)."""
        jll = self.predict_joint_log_proba(X)  # (n, K)
        return jll - logsumexp(jll, axis=1)[:, None]

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""$p(c \mid x)$, shape (n_samples, n_classes); rows sum to 1."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        r"""$\arg\max_c \log p(c, x)$ as class labels, shape (n_samples,)."""
        jll = self.predict_joint_log_proba(X)  # (n, K); checks fitted before classes_ is read
        return self.classes_[np.argmax(jll, axis=1)]


class GaussianNB(_BaseNB):
    r"""Gaussian naive Bayes.

    Per class $c$ and feature $j$: mean $\theta_{cj}$ and variance $\sigma^2_{cj}$ (the
    biased sample variance plus $\epsilon = $ ``var_smoothing`` $\cdot \max_j \mathrm{Var}(X_{:j})$,
    which keeps constant features from dividing by zero). Then

    $$ \log p(c, x) = \log \pi_c - \tfrac12 \sum_j \log(2\pi\sigma^2_{cj})
       - \tfrac12 \sum_j \frac{(x_j - \theta_{cj})^2}{\sigma^2_{cj}} . $$

    Parameters
    ----------
    priors : array-like of shape (n_classes,) or None, default=None
        Class priors $\pi_c$; ``None`` uses the class frequencies.
    var_smoothing : float, default=1e-9
        Fraction of the largest feature variance added to every variance.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_count_ : ndarray of shape (n_classes,)
    class_prior_ : ndarray of shape (n_classes,)
    theta_ : ndarray of shape (n_classes, n_features)
    var_ : ndarray of shape (n_classes, n_features)
    epsilon_ : float
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.2], [3.0], [3.2]])
    >>> GaussianNB().fit(X, [0, 0, 1, 1]).predict([[0.1], [2.9]])
    array([0, 1])
    """

    def __init__(self, priors: Any = None, var_smoothing: float = 1e-9) -> None:
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X: Any, y: Any) -> GaussianNB:
        """Fit on ``X`` of shape (n_samples, n_features) and labels ``y`` of shape (n_samples,)."""
        X, Y, counts = self._fit_classes(X, y)
        X = X.astype(np.float64, copy=False)
        # $\epsilon = \text{var\_smoothing} \cdot \max_j \mathrm{Var}(X_{:j})$
        # BEGIN SOLUTION
        self.epsilon_ = float(self.var_smoothing * np.var(X, axis=0).max())
        # $\theta_{cj} = \frac{1}{n_c}\sum_{i: y_i = c} x_{ij}$
        self.theta_ = (Y.T @ X) / counts[:, None]  # (K, d)
        # $\sigma^2_{cj} = \frac{1}{n_c}\sum_{i: y_i = c} (x_{ij} - \theta_{cj})^2 + \epsilon$
        self.var_ = np.stack(
            [np.var(X[Y[:, k] == 1], axis=0) for k in range(len(self.classes_))]
        )  # (K, d)
        self.var_ += self.epsilon_
        # END SOLUTION
        if self.priors is None:
            self.class_prior_ = counts / counts.sum()
        else:
            priors = np.asarray(self.priors, dtype=np.float64)
            if priors.shape != (len(self.classes_),):
                raise ValueError(
                    f"Number of priors must match number of classes: priors has shape "
                    f"{priors.shape}, there are {len(self.classes_)} classes."
                )
            if not np.isclose(priors.sum(), 1.0):
                raise ValueError(f"The sum of the priors should be 1, got {priors.sum()}.")
            if (priors < 0).any():
                raise ValueError(f"Priors must be non-negative, got {priors}.")
            self.class_prior_ = priors
        return self

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        # $-\frac12 \sum_j \log(2\pi\sigma^2_{cj})$
        # BEGIN SOLUTION
        log_norm = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_), axis=1)  # (K,)
        # $\sum_j (x_j - \theta_{cj})^2 / \sigma^2_{cj}$, one class at a time: memory stays
        # (n, d) instead of (n, K, d), and the differences are exact (no expansion of the square)
        sq = np.stack(
            [((X - theta) ** 2 / var).sum(axis=1) for theta, var in zip(self.theta_, self.var_)],
            axis=1,
        )  # (n, K)
        with np.errstate(divide="ignore"):
            log_prior = np.log(self.class_prior_)  # (K,)
        return log_prior + log_norm - 0.5 * sq  # (n, K)
        # END SOLUTION


class MultinomialNB(_BaseNB):
    r"""Multinomial naive Bayes for count features (word counts, pixel intensities).

    With $N_{cj} = \sum_{i: y_i = c} x_{ij}$ the feature counts per class and Laplace /
    Lidstone smoothing $\alpha$:

    $$ \hat\phi_{cj} = \frac{N_{cj} + \alpha}{\sum_{j'} N_{cj'} + \alpha d}, \qquad
       \log p(c, x) = \log \pi_c + \sum_j x_j \log \hat\phi_{cj} . $$

    Parameters
    ----------
    alpha : float, default=1.0
        Additive smoothing $\alpha \ge 0$.
    fit_prior : bool, default=True
        Learn $\pi_c$ from class frequencies; otherwise uniform.
    class_prior : array-like of shape (n_classes,) or None, default=None
        Fixed priors (overrides ``fit_prior``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_count_ : ndarray of shape (n_classes,)
    feature_count_ : ndarray of shape (n_classes, n_features)
    feature_log_prob_ : ndarray of shape (n_classes, n_features)
        $\log \hat\phi_{cj}$.
    class_log_prior_ : ndarray of shape (n_classes,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3, 0], [2, 1], [0, 4], [1, 3]])
    >>> MultinomialNB().fit(X, ["a", "a", "b", "b"]).predict([[5, 1]])
    array(['a'], dtype='<U1')
    """

    def __init__(self, alpha: float = 1.0, fit_prior: bool = True, class_prior: Any = None) -> None:
        self.alpha = alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        # blobs shifted to be non-negative are not counts: scikit-learn's MultinomialNB
        # declares the same poor score on its generic training check
        tags.classifier_tags.poor_score = True
        return tags

    def _check_non_negative(self, X: np.ndarray) -> None:
        if X.size and X.min() < 0:
            raise ValueError(
                f"Negative values in data passed to {type(self).__name__} (input X): "
                f"minimum is {X.min()}; counts must be >= 0."
            )

    def fit(self, X: Any, y: Any) -> MultinomialNB:
        """Fit on counts ``X`` of shape (n_samples, n_features), labels ``y`` of shape (n_samples,)."""
        if isinstance(self.alpha, bool) or not np.isscalar(self.alpha) or not self.alpha >= 0:
            raise ValueError(f"alpha must be a non-negative float, got {self.alpha!r}.")
        X, Y, counts = self._fit_classes(X, y)
        self._check_non_negative(X)
        K = len(self.classes_)
        # $N_{cj} = \sum_{i: y_i = c} x_{ij}$
        self.feature_count_ = Y.T @ X  # (K, d)
        smoothed = self.feature_count_ + self.alpha  # (K, d)
        # $\log\hat\phi_{cj} = \log(N_{cj} + \alpha) - \log\sum_{j'}(N_{cj'} + \alpha)$
        with np.errstate(divide="ignore"):
            self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
            if self.class_prior is not None:
                prior = np.asarray(self.class_prior, dtype=np.float64)
                if prior.shape != (K,):
                    raise ValueError(
                        f"Number of priors must match number of classes: class_prior has "
                        f"shape {prior.shape}, there are {K} classes."
                    )
                self.class_log_prior_ = np.log(prior)
            elif self.fit_prior:
                self.class_log_prior_ = np.log(counts) - np.log(counts.sum())
            else:
                self.class_log_prior_ = np.full(K, -np.log(K))
        return self

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        self._check_non_negative(X)
        # $\log\pi_c + \sum_j x_j \log\hat\phi_{cj}$
        return X @ self.feature_log_prob_.T + self.class_log_prior_  # (n, K)
