"""KNeighborsClassifier / Regressor against scikit-learn: identical predictions.

The bundled datasets hold exact duplicates and (with integer pixels) many equal
distances, where which of two tied neighbours is "nearer" is an arbitrary choice of each
implementation. A jitter of 1e-4 standard deviations makes every distance distinct, so
the comparison tests the algorithm, not a tie-breaking convention.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.exceptions
import sklearn.neighbors as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine

from groundup.classical_ml import KNeighborsClassifier, KNeighborsRegressor
from groundup.classical_ml.classification import knn
from tests.classical_ml.sklearn_checks import sklearn_checks


@sklearn_checks(
    [KNeighborsClassifier(), KNeighborsRegressor(), KNeighborsClassifier(p=1, weights="distance")]
)
def test_knn_sklearn_checks(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # the NumPy array-API check skips itself otherwise
    check(estimator)


def _jittered(load):
    X, y = load(return_X_y=True)
    X, y = X[:600], y[:600]  # digits: 600 of the 1,797 keep the test fast
    rng = np.random.default_rng(0)
    return X + 1e-4 * X.std(0).mean() * rng.standard_normal(X.shape), y


@pytest.mark.parametrize("load", [load_iris, load_wine, load_breast_cancer, load_digits])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_classifier_identical_to_sklearn(load, p, weights):
    X, y = _jittered(load)
    for k in (1, 4, 15):
        ours = KNeighborsClassifier(k, weights=weights, p=p).fit(X[::2], y[::2])
        ref = sk.KNeighborsClassifier(n_neighbors=k, weights=weights, p=p).fit(X[::2], y[::2])
        np.testing.assert_array_equal(ours.predict(X[1::2]), ref.predict(X[1::2]))
        np.testing.assert_allclose(
            ours.predict_proba(X[1::2]), ref.predict_proba(X[1::2]), rtol=1e-9
        )


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_regressor_matches_sklearn_on_diabetes(p, weights):
    X, y = _jittered(load_diabetes)
    ours = KNeighborsRegressor(7, weights=weights, p=p).fit(X[::2], y[::2])
    ref = sk.KNeighborsRegressor(n_neighbors=7, weights=weights, p=p).fit(X[::2], y[::2])
    np.testing.assert_allclose(ours.predict(X[1::2]), ref.predict(X[1::2]), rtol=1e-9)


@given(
    n=st.integers(2, 40),
    q=st.integers(1, 30),
    d=st.integers(1, 6),
    k=st.integers(1, 8),
    p=st.sampled_from([1, 2]),
    t=st.integers(0, 2),
    seed=st.integers(0, 2**16),
)
def test_kneighbors_distances_and_multi_target(n, q, d, k, p, t, seed):
    rng = np.random.default_rng(seed)
    X, Q = rng.normal(size=(n, d)), rng.normal(size=(q, d))
    y = rng.normal(size=(n, t)) if t else rng.normal(size=n)
    k = min(k, n)
    ours = KNeighborsRegressor(k, weights="distance", p=p).fit(X, y)
    ref = sk.KNeighborsRegressor(n_neighbors=k, weights="distance", p=p).fit(X, y)
    dist, ind = ours.kneighbors(Q)
    ref_dist, ref_ind = ref.kneighbors(Q)
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(ours.predict(Q), ref.predict(Q), rtol=1e-7, atol=1e-9)


def test_kneighbors_of_the_training_set_excludes_each_point():
    X, y = _jittered(load_iris)
    ours = KNeighborsClassifier(3).fit(X, y)
    ref = sk.KNeighborsClassifier(n_neighbors=3).fit(X, y)
    dist, ind = ours.kneighbors()
    ref_dist, ref_ind = ref.kneighbors()
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-7, atol=1e-9)
    assert not (ind == np.arange(len(X))[:, None]).any()


def test_blocks_do_not_change_the_result(monkeypatch):
    # a 2 KiB budget forces blocks of 2 query rows; results must equal the one-block run
    X, y = _jittered(load_wine)
    full = KNeighborsClassifier(5, weights="distance").fit(X[::2], y[::2]).predict_proba(X[1::2])
    monkeypatch.setattr(knn, "BLOCK_BYTES", 2048)
    assert len(list(knn._query_blocks(89, 89))) == 45
    blocked = KNeighborsClassifier(5, weights="distance").fit(X[::2], y[::2]).predict_proba(X[1::2])
    np.testing.assert_array_equal(blocked, full)


def test_block_memory_bound_for_mnist_sized_queries():
    # 60,000 training points: 139 query rows per block, each block 64 MiB of float64
    blocks = list(knn._query_blocks(10_000, 60_000))
    rows = blocks[0].stop - blocks[0].start
    assert rows == 139 and rows * 60_000 * 8 <= knn.BLOCK_BYTES
    assert len(blocks) == 72 and blocks[-1].stop == 10_000


def test_distance_weights_with_exact_matches():
    X = np.array([[0.0], [0.0], [1.0], [2.0]])
    y = np.array([0, 1, 1, 1])
    ours = KNeighborsClassifier(3, weights="distance").fit(X, y)
    ref = sk.KNeighborsClassifier(n_neighbors=3, weights="distance").fit(X, y)
    np.testing.assert_allclose(ours.predict_proba([[0.0]]), ref.predict_proba([[0.0]]))
    np.testing.assert_allclose(ours.predict_proba([[0.0]]), [[0.5, 0.5]])


def test_knn_errors():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        KNeighborsClassifier().predict(X)
    est = KNeighborsClassifier().fit(X, y)
    with pytest.raises(
        ValueError, match="X has 2 features, but KNeighborsClassifier is expecting 4"
    ):
        est.predict(X[:, :2])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        est.predict(X[0])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="n_neighbors = 200, n_samples_fit = 150"):
        est.kneighbors(X, n_neighbors=200)
    with pytest.raises(ValueError, match=r"p must be 1 \(Manhattan\) or 2 \(Euclidean\), got 3"):
        KNeighborsClassifier(p=3).fit(X, y)
    with pytest.raises(ValueError, match="weights must be 'uniform' or 'distance', got 'x'"):
        KNeighborsRegressor(weights="x").fit(X, y)
    with pytest.raises(ValueError, match="n_neighbors must be an integer >= 1, got 0"):
        KNeighborsRegressor(n_neighbors=0).fit(X, y)


@pytest.mark.parametrize("k", [1, 3, 16, 17, 40])
def test_smallest_k_both_paths(k):
    # k <= 16: repeated argmin (ties to the lower index); k > 16: argpartition
    rng = np.random.default_rng(k)
    D = rng.integers(0, 20, size=(7, 50)).astype(np.float64)  # many ties
    picked = knn.smallest_k(D.copy(), k)
    assert picked.shape == (7, k)
    for row, cols in zip(D, picked):
        assert len(set(cols)) == k
        kth = np.sort(row)[k - 1]
        assert np.all(row[cols] <= kth)  # exactly the k smallest values
        if k <= 16:
            expected = np.lexsort((np.arange(50), row))[:k]
            np.testing.assert_array_equal(np.sort(cols), np.sort(expected))


def test_many_neighbours_match_sklearn():
    X, y = _jittered(load_breast_cancer)
    for p in (1, 2):
        ours = KNeighborsClassifier(25, weights="distance", p=p).fit(X[::2], y[::2])
        ref = sk.KNeighborsClassifier(n_neighbors=25, weights="distance", p=p).fit(X[::2], y[::2])
        np.testing.assert_array_equal(ours.kneighbors(X[1::2])[1], ref.kneighbors(X[1::2])[1])
        np.testing.assert_allclose(
            ours.predict_proba(X[1::2]), ref.predict_proba(X[1::2]), rtol=1e-9
        )
