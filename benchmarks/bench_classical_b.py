"""Group ``classical`` (part B): trees, forests, k-means, Gaussian mixtures, PCA and t-SNE
against scikit-learn.

Each workload fits (and predicts or transforms) the same data with the same
hyper-parameters in groundup and in scikit-learn; both callables return their output.
Goals (median ratio groundup / scikit-learn): PCA and KMeans within 2x, trees and forests
within 10x, t-SNE on the 1,797 digits within 3x. KMeans starts both from the same centres,
so both do the same Lloyd iterations. The t-SNE workload runs 500 iterations (250 of them
with early exaggeration) to keep a round under a minute; the ratio of a 1,000-iteration
run is of the same order (the later iterations' grid is larger, the reference's tree deeper).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.registry import Pair, workload

GROUP = "classical"
REFERENCE = "scikit-learn"


def _pair(ours: Any, theirs: Any, fit_args: tuple, method: str | None, X_out: Any) -> Pair:
    """Callables fitting a fresh clone of each estimator, then calling ``method`` (if any)."""
    from sklearn.base import clone

    def run(est: Any) -> Callable[[], object]:
        def go() -> object:
            model = clone(est)
            if method == "fit_transform":
                return model.fit_transform(*fit_args)
            model.fit(*fit_args)
            return getattr(model, method)(X_out) if method else model

        return go

    return run(ours), run(theirs)


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _diabetes() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


@workload(GROUP, "DecisionTreeClassifier digits 1,200x64: fit+predict", REFERENCE)
def decision_tree_classifier() -> Pair:
    import sklearn.tree

    from groundup.classical_ml import DecisionTreeClassifier

    X, y = _digits()
    return _pair(
        DecisionTreeClassifier(random_state=0),
        sklearn.tree.DecisionTreeClassifier(random_state=0),
        (X[:1200], y[:1200]),
        "predict",
        X[1200:],
    )


@workload(GROUP, "DecisionTreeRegressor diabetes 442x10: fit+predict", REFERENCE)
def decision_tree_regressor() -> Pair:
    import sklearn.tree

    from groundup.classical_ml import DecisionTreeRegressor

    X, y = _diabetes()
    return _pair(
        DecisionTreeRegressor(random_state=0),
        sklearn.tree.DecisionTreeRegressor(random_state=0),
        (X, y),
        "predict",
        X,
    )


@workload(GROUP, "RandomForestClassifier 100 trees, digits 1,200x64: fit+predict", REFERENCE)
def random_forest_classifier() -> Pair:
    import sklearn.ensemble

    from groundup.classical_ml import RandomForestClassifier

    X, y = _digits()
    return _pair(
        RandomForestClassifier(100, random_state=0),
        sklearn.ensemble.RandomForestClassifier(100, random_state=0),
        (X[:1200], y[:1200]),
        "predict",
        X[1200:],
    )


@workload(GROUP, "RandomForestRegressor 100 trees, diabetes 442x10: fit+predict", REFERENCE)
def random_forest_regressor() -> Pair:
    import sklearn.ensemble

    from groundup.classical_ml import RandomForestRegressor

    X, y = _diabetes()
    return _pair(
        RandomForestRegressor(100, random_state=0),
        sklearn.ensemble.RandomForestRegressor(100, random_state=0),
        (X, y),
        "predict",
        X,
    )


@workload(GROUP, "KMeans k=10 from the same centres, digits 1,797x64: fit", REFERENCE)
def kmeans() -> Pair:
    import sklearn.cluster

    from groundup.classical_ml import KMeans

    X, _ = _digits()
    init = X[np.random.default_rng(0).choice(X.shape[0], 10, replace=False)]
    return _pair(
        KMeans(10, init=init, n_init=1),
        sklearn.cluster.KMeans(10, init=init, n_init=1),
        (X,),
        "predict",
        X,
    )


@workload(GROUP, "KMeans k=10 k-means++ (n_init=1), digits 1,797x64: fit", REFERENCE)
def kmeans_plusplus() -> Pair:
    import sklearn.cluster

    from groundup.classical_ml import KMeans

    X, _ = _digits()
    return _pair(
        KMeans(10, random_state=0),
        sklearn.cluster.KMeans(10, random_state=0),
        (X,),
        "predict",
        X,
    )


@workload(GROUP, "GaussianMixture 10 full, digits PCA-16 1,797x16: fit", REFERENCE)
def gaussian_mixture() -> Pair:
    import sklearn.mixture

    from groundup.classical_ml import PCA, GaussianMixture

    X, _ = _digits()
    Z = PCA(16).fit_transform(X)
    means = Z[np.random.default_rng(0).choice(Z.shape[0], 10, replace=False)]
    kw = {"means_init": means, "max_iter": 50, "tol": 1e-4}
    return _pair(
        GaussianMixture(10, **kw),
        sklearn.mixture.GaussianMixture(10, **kw),
        (Z,),
        "predict",
        Z,
    )


@workload(GROUP, "PCA 10 components, digits 1,797x64: fit_transform", REFERENCE)
def pca() -> Pair:
    import sklearn.decomposition

    from groundup.classical_ml import PCA

    X, _ = _digits()
    return _pair(
        PCA(10), sklearn.decomposition.PCA(10, svd_solver="full"), (X,), "fit_transform", None
    )


@workload(GROUP, "TSNE 2-D, digits 1,797x64, 500 iterations: fit_transform", REFERENCE)
def tsne() -> Pair:
    import sklearn.manifold

    from groundup.classical_ml import TSNE

    X, _ = _digits()
    return _pair(
        TSNE(max_iter=500, random_state=0),
        sklearn.manifold.TSNE(max_iter=500, random_state=0),
        (X,),
        "fit_transform",
        None,
    )
