"""Decision trees (CART) side by side with scikit-learn's, plus the split search's own invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import datasets
from sklearn import tree as sk_tree
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from groundup.classical_ml.base import NotFittedError
from groundup.classical_ml.classification.decision_tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Test workers share two cores: a multi-threaded BLAS then slows an SVD down 100-fold.
    with threadpool_limits(1):
        yield


LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}


def _splits(name: str, n_splits: int):
    X, y = LOADERS[name](return_X_y=True)
    for seed in range(n_splits):
        yield train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("name", list(LOADERS))
def test_tree_accuracy_matches_sklearn(name: str, criterion: str) -> None:
    # Ties between equally good splits are broken differently (sklearn visits features in a
    # random order), so single held-out accuracies wobble: compare the mean over 5 splits.
    ours, theirs = [], []
    for Xtr, Xte, ytr, yte in _splits(name, 5 if name != "digits" else 2):
        ours.append(DecisionTreeClassifier(criterion=criterion).fit(Xtr, ytr).score(Xte, yte))
        ref = sk_tree.DecisionTreeClassifier(criterion=criterion, random_state=0)
        theirs.append(ref.fit(Xtr, ytr).score(Xte, yte))
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.02, (ours, theirs)


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer"])
def test_fully_grown_tree_has_sklearns_shape(name: str) -> None:
    X, y = LOADERS[name](return_X_y=True)
    ours = DecisionTreeClassifier().fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(random_state=0).fit(X, y)
    assert ours.tree_.node_count == ref.tree_.node_count
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()
    assert ours.score(X, y) == 1.0  # pure leaves: the training set is memorised


def test_depth_limited_regressor_equals_sklearn_on_diabetes() -> None:
    X, y = datasets.load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = DecisionTreeRegressor(max_depth=4).fit(Xtr, ytr)
    ref = sk_tree.DecisionTreeRegressor(max_depth=4, random_state=0).fit(Xtr, ytr)
    # Same splits (nodes are numbered breadth-first here, depth-first in sklearn).
    for attr in ("feature", "threshold", "impurity", "n_node_samples"):
        np.testing.assert_allclose(
            np.sort(getattr(ours.tree_, attr)),
            np.sort(getattr(ref.tree_, attr)),
            rtol=1e-6,  # sklearn: float32 X
        )
    np.testing.assert_allclose(ours.predict(Xtr), ref.predict(Xtr), rtol=1e-12)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-12)
    # sklearn thresholds float32 copies of X, so a held-out point may fall the other way of a
    # split: compare R^2 on held-out data, not point by point.
    assert abs(ours.score(Xte, yte) - ref.score(Xte, yte)) < 0.05


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize(
    "params", [{"max_depth": 3}, {"min_samples_leaf": 5}, {"min_samples_split": 12}]
)
def test_stopping_rules_give_sklearns_tree(criterion: str, params: dict) -> None:
    # Where two splits tie exactly, sklearn's random feature order may pick the other one, so
    # compare what ties leave unchanged: the node count and the multiset of node impurities.
    X, y = datasets.load_breast_cancer(return_X_y=True)
    ours = DecisionTreeClassifier(criterion=criterion, **params).fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(criterion=criterion, random_state=0, **params).fit(X, y)
    assert ours.tree_.node_count == ref.tree_.node_count
    np.testing.assert_allclose(
        np.sort(ours.tree_.impurity), np.sort(ref.tree_.impurity), atol=1e-12
    )
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), abs=0.01)
    t = ours.tree_
    leaves = t.children_left == -1
    assert t.max_depth <= params.get("max_depth", 99)
    assert t.n_node_samples[leaves].min() >= params.get("min_samples_leaf", 1)
    assert t.n_node_samples[~leaves].min() >= params.get("min_samples_split", 2)


def test_min_impurity_decrease_prunes_like_sklearn() -> None:
    X, y = datasets.load_wine(return_X_y=True)
    ours = DecisionTreeClassifier(min_impurity_decrease=0.01).fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(min_impurity_decrease=0.01, random_state=0).fit(X, y)
    assert (
        ours.tree_.node_count
        == ref.tree_.node_count
        < DecisionTreeClassifier().fit(X, y).tree_.node_count
    )


@given(n=st.integers(2, 60), n_classes=st.integers(2, 4), seed=st.integers(0, 10_000))
def test_integer_sample_weight_is_repetition(n: int, n_classes: int, seed: int) -> None:
    # A weight of k counts like k copies in every impurity and leaf fraction. (One feature: with
    # several, exact ties between features may be broken differently once rows are repeated.)
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 6, size=(n, 1)).astype(float)
    y = np.arange(n) % n_classes
    sw = rng.integers(1, 4, size=n)
    ours = DecisionTreeClassifier(max_depth=3).fit(X, y, sample_weight=sw)
    rep = DecisionTreeClassifier(max_depth=3).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(ours.predict_proba(X), rep.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(ours.tree_.threshold, rep.tree_.threshold)


def test_sample_weight_matches_sklearn_regressor() -> None:
    X, y = datasets.load_diabetes(return_X_y=True)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=y.shape[0])
    ours = DecisionTreeRegressor(max_depth=5, min_samples_leaf=3).fit(X, y, sample_weight=sw)
    ref = sk_tree.DecisionTreeRegressor(max_depth=5, min_samples_leaf=3, random_state=0)
    ref.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(np.sort(ours.tree_.impurity), np.sort(ref.tree_.impurity), rtol=1e-7)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9)


@given(n=st.integers(3, 80), d=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_every_split_is_the_best_one(n: int, d: int, seed: int) -> None:
    # Brute force over every feature and threshold at the root: nothing beats the chosen split.
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).round(1)
    y = rng.normal(size=n)
    t = DecisionTreeRegressor(max_depth=1).fit(X, y).tree_

    def sse(mask: np.ndarray) -> float:
        return float(((y[mask] - y[mask].mean()) ** 2).sum()) if mask.any() else 0.0

    best = (
        min(sse(X[:, j] <= v) + sse(X[:, j] > v) for j in range(d) for v in np.unique(X[:, j])[:-1])
        if any(np.unique(X[:, j]).size > 1 for j in range(d))
        else None
    )
    if best is None:
        assert t.node_count == 1
    else:
        go = X[:, t.feature[0]] <= t.threshold[0]
        assert sse(go) + sse(~go) <= best + 1e-9


def test_max_features_draws_differ_by_random_state() -> None:
    X, y = datasets.load_digits(return_X_y=True)
    a = DecisionTreeClassifier(max_features="sqrt", random_state=0).fit(X, y)
    b = DecisionTreeClassifier(max_features="sqrt", random_state=0).fit(X, y)
    c = DecisionTreeClassifier(max_features="sqrt", random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)
    assert not np.array_equal(a.tree_.feature[:5], c.tree_.feature[:5])
    assert a.score(X, y) == 1.0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"criterion": "mse"}, "criterion must be one of"),
        ({"max_depth": 0}, "max_depth must be None or an int >= 1"),
        ({"min_samples_split": 1}, "min_samples_split must be an int >= 2"),
        ({"min_samples_leaf": 0}, "min_samples_leaf must be an int >= 1"),
        ({"max_features": "all"}, "max_features must be"),
        ({"max_features": 10}, r"max_features == 10 must be in \[1, n_features=4\]"),
    ],
)
def test_bad_hyper_parameters_raise_value_error(params: dict, match: str) -> None:
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=match):
        DecisionTreeClassifier(**params).fit(X, y)


def test_bad_input_raises_sklearns_exceptions() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(NotFittedError):
        DecisionTreeClassifier().predict(X)
    tree = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(
        ValueError, match="X has 3 features, but DecisionTreeClassifier is expecting 4"
    ):
        tree.predict(X[:, :3])
    with pytest.raises(ValueError, match="Expected 2D array"):
        tree.predict(X[0])
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        DecisionTreeRegressor().fit(Xn, y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        DecisionTreeClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(150,\)"):
        DecisionTreeClassifier().fit(X, y, sample_weight=[1.0, 2.0, 3.0])
