"""Random forests side by side with scikit-learn's: held-out accuracy, R^2, OOB estimates."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets
from sklearn import ensemble as sk_ensemble
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from groundup.classical_ml.classification.decision_tree import DecisionTreeClassifier
from groundup.classical_ml.ensemble import RandomForestClassifier, RandomForestRegressor


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


@pytest.mark.parametrize("name", list(LOADERS))
def test_forest_accuracy_and_oob_match_sklearn(name: str) -> None:
    X, y = LOADERS[name](return_X_y=True)
    n_splits, n_trees = (1, 40) if name == "digits" else (3, 60)
    ours, theirs, oob_ours, oob_theirs = [], [], [], []
    for seed in range(n_splits):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
        a = RandomForestClassifier(n_trees, oob_score=True, random_state=seed).fit(Xtr, ytr)
        b = sk_ensemble.RandomForestClassifier(n_trees, oob_score=True, random_state=seed)
        b.fit(Xtr, ytr)
        ours.append(a.score(Xte, yte))
        theirs.append(b.score(Xte, yte))
        oob_ours.append(a.oob_score_)
        oob_theirs.append(b.oob_score_)
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.02, (ours, theirs)
    assert abs(np.mean(oob_ours) - np.mean(oob_theirs)) <= 0.03, (oob_ours, oob_theirs)


def test_forest_regressor_r2_and_oob_match_sklearn_on_diabetes() -> None:
    X, y = datasets.load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    a = RandomForestRegressor(60, oob_score=True, random_state=0).fit(Xtr, ytr)
    b = sk_ensemble.RandomForestRegressor(60, oob_score=True, random_state=0).fit(Xtr, ytr)
    assert a.score(Xte, yte) == pytest.approx(b.score(Xte, yte), abs=0.05)
    assert a.oob_score_ == pytest.approx(b.oob_score_, abs=0.05)
    assert a.oob_prediction_.shape == (Xtr.shape[0],)
    # $R^2$ of the OOB predictions, recomputed here
    r2 = 1 - np.sum((ytr - a.oob_prediction_) ** 2) / np.sum((ytr - ytr.mean()) ** 2)
    assert a.oob_score_ == pytest.approx(r2, rel=1e-12)


def test_feature_importances_agree_with_sklearn() -> None:
    X, y = datasets.load_breast_cancer(return_X_y=True)
    a = RandomForestClassifier(100, random_state=0).fit(X, y).feature_importances_
    b = sk_ensemble.RandomForestClassifier(100, random_state=0).fit(X, y).feature_importances_
    assert a.sum() == pytest.approx(1.0)
    assert np.corrcoef(a, b)[0, 1] > 0.9
    assert set(np.argsort(a)[-3:]) & set(np.argsort(b)[-3:])  # a shared top-3 feature


def test_no_bootstrap_all_features_is_the_single_tree() -> None:
    X, y = datasets.load_wine(return_X_y=True)
    forest = RandomForestClassifier(4, bootstrap=False, max_features=None, random_state=0)
    forest.fit(X, y)
    tree = DecisionTreeClassifier().fit(X, y)
    for est in forest.estimators_:
        np.testing.assert_array_equal(est.tree_.feature, tree.tree_.feature)
    np.testing.assert_allclose(forest.predict_proba(X), tree.predict_proba(X))


def test_oob_decision_function_is_the_out_of_bag_average() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    forest = RandomForestClassifier(30, oob_score=True, random_state=3).fit(X, y)
    D = forest.oob_decision_function_
    assert D.shape == (150, 3)
    np.testing.assert_allclose(D.sum(axis=1), 1.0)
    assert forest.oob_score_ == pytest.approx(np.mean(np.argmax(D, axis=1) == y))


def test_random_state_reproduces_and_varies() -> None:
    X, y = datasets.load_breast_cancer(return_X_y=True)
    p0 = RandomForestClassifier(10, random_state=0).fit(X, y).predict_proba(X)
    p0_again = RandomForestClassifier(10, random_state=0).fit(X, y).predict_proba(X)
    p1 = RandomForestClassifier(10, random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p0, p0_again)
    assert not np.array_equal(p0, p1)


def test_bad_forest_parameters() -> None:
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="Out of bag estimation only available if bootstrap=True"):
        RandomForestClassifier(5, bootstrap=False, oob_score=True).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators must be an int >= 1, got 0"):
        RandomForestRegressor(0).fit(X, y)
    with pytest.raises(ValueError, match="max_samples must be"):
        RandomForestClassifier(5, max_samples=2.5).fit(X, y)
    with pytest.raises(
        ValueError, match="X has 2 features, but RandomForestClassifier is expecting 4"
    ):
        RandomForestClassifier(5).fit(X, y).predict(X[:, :2])
