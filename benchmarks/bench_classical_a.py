"""Group ``classical`` (part A): linear, logistic, SVM, k-NN and naive Bayes against scikit-learn.

Each workload is ``fit`` then ``predict`` (or ``predict_proba``) on the same data with
the same hyper-parameters, groundup's estimator against scikit-learn's. Both callables
return their predictions, so a test can check they compute the same thing. Data: the
bundled scikit-learn datasets (standardised where the model needs it) and generated
Gaussian data of a stated size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.registry import Pair, workload

GROUP = "classical"
REFERENCE = "scikit-learn"


def _fit_predict_pair(
    ours: Any,
    theirs: Any,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray,
    method: str = "predict",
) -> Pair:
    """Callables that fit a fresh clone on (X, y) and call ``method`` on ``X_test``."""
    from sklearn.base import clone

    def run(est: Any) -> Callable[[], object]:
        def fit_predict() -> object:
            model = clone(est).fit(X, y)
            return getattr(model, method)(X_test)

        return fit_predict

    return run(ours), run(theirs)


def _digits(standardise: bool = False) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    if standardise:
        X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    return X[:1200], y[:1200], X[1200:]


def _blobs(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(k, d))
    y = rng.integers(0, k, size=n)
    X = centres[y] + rng.normal(size=(n, d))
    split = int(0.8 * n)
    return X[:split], y[:split], X[split:]


@workload(
    group=GROUP, name="KNeighborsClassifier k=5, digits 1200 fit / 597 queries", reference=REFERENCE
)
def knn_digits() -> Pair:
    from sklearn.neighbors import KNeighborsClassifier as SkKNN

    from groundup.classical_ml import KNeighborsClassifier

    return _fit_predict_pair(KNeighborsClassifier(5), SkKNN(n_neighbors=5), *_digits())


@workload(
    group=GROUP, name="KNeighborsClassifier k=5, 20000x50 fit / 5000 queries", reference=REFERENCE
)
def knn_large() -> Pair:
    from sklearn.neighbors import KNeighborsClassifier as SkKNN

    from groundup.classical_ml import KNeighborsClassifier

    X, y, X_test = _blobs(25_000, 50, 10)
    return _fit_predict_pair(KNeighborsClassifier(5), SkKNN(n_neighbors=5), X, y, X_test)


@workload(group=GROUP, name="GaussianNB, digits 1200 fit / 597 predict_proba", reference=REFERENCE)
def gaussian_nb_digits() -> Pair:
    from sklearn.naive_bayes import GaussianNB as SkGNB

    from groundup.classical_ml import GaussianNB

    return _fit_predict_pair(GaussianNB(), SkGNB(), *_digits(), method="predict_proba")


@workload(group=GROUP, name="GaussianNB, 50000x50, 10 classes", reference=REFERENCE)
def gaussian_nb_large() -> Pair:
    from sklearn.naive_bayes import GaussianNB as SkGNB

    from groundup.classical_ml import GaussianNB

    return _fit_predict_pair(GaussianNB(), SkGNB(), *_blobs(62_500, 50, 10), method="predict_proba")


@workload(
    group=GROUP, name="MultinomialNB, digits 1200 fit / 597 predict_proba", reference=REFERENCE
)
def multinomial_nb_digits() -> Pair:
    from sklearn.naive_bayes import MultinomialNB as SkMNB

    from groundup.classical_ml import MultinomialNB

    return _fit_predict_pair(MultinomialNB(), SkMNB(), *_digits(), method="predict_proba")


@workload(group=GROUP, name="LogisticRegression lbfgs, breast cancer (binary)", reference=REFERENCE)
def logistic_binary() -> Pair:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression as SkLR

    from groundup.classical_ml import LogisticRegression

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    return _fit_predict_pair(
        LogisticRegression(max_iter=1000), SkLR(max_iter=1000), X, y, X, method="predict_proba"
    )


@workload(
    group=GROUP, name="LogisticRegression lbfgs, digits (10-class multinomial)", reference=REFERENCE
)
def logistic_multinomial() -> Pair:
    from sklearn.linear_model import LogisticRegression as SkLR

    from groundup.classical_ml import LogisticRegression

    return _fit_predict_pair(
        LogisticRegression(max_iter=1000),
        SkLR(max_iter=1000),
        *_digits(standardise=True),
        method="predict_proba",
    )


@workload(group=GROUP, name="Ridge alpha=1, 20000x100", reference=REFERENCE)
def ridge_large() -> Pair:
    from sklearn.linear_model import Ridge as SkRidge

    from groundup.classical_ml import Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 100))
    y = X @ rng.normal(size=100) + rng.normal(size=20_000)
    return _fit_predict_pair(Ridge(alpha=1.0), SkRidge(alpha=1.0), X, y, X)


@workload(group=GROUP, name="Ridge alpha=1, diabetes", reference=REFERENCE)
def ridge_diabetes() -> Pair:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge as SkRidge

    from groundup.classical_ml import Ridge

    X, y = load_diabetes(return_X_y=True)
    return _fit_predict_pair(Ridge(alpha=1.0), SkRidge(alpha=1.0), X, y, X)


@workload(group=GROUP, name="LinearRegression lstsq, 20000x100", reference=REFERENCE)
def linear_large() -> Pair:
    from sklearn.linear_model import LinearRegression as SkLinear

    from groundup.classical_ml import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 100))
    y = X @ rng.normal(size=100) + rng.normal(size=20_000)
    return _fit_predict_pair(LinearRegression(), SkLinear(), X, y, X)


@workload(group=GROUP, name="LinearSVC, digits standardised (10 one-vs-rest)", reference=REFERENCE)
def linear_svc_digits() -> Pair:
    from sklearn.svm import LinearSVC as SkLinearSVC

    from groundup.classical_ml import LinearSVC

    return _fit_predict_pair(LinearSVC(), SkLinearSVC(max_iter=10_000), *_digits(standardise=True))


@workload(group=GROUP, name="SVC rbf, breast cancer", reference=REFERENCE)
def svc_binary() -> Pair:
    from sklearn.datasets import load_breast_cancer
    from sklearn.svm import SVC as SkSVC

    from groundup.classical_ml import SVC

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    return _fit_predict_pair(SVC(), SkSVC(), X, y, X)


@workload(group=GROUP, name="SVC rbf, digits standardised (45 one-vs-one)", reference=REFERENCE)
def svc_digits() -> Pair:
    from sklearn.svm import SVC as SkSVC

    from groundup.classical_ml import SVC

    return _fit_predict_pair(SVC(), SkSVC(), *_digits(standardise=True))
