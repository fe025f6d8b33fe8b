"""KMeans side by side with scikit-learn: the same Lloyd iterations from the same centres."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import cluster, datasets
from threadpoolctl import threadpool_limits

from groundup.classical_ml.base import NotFittedError
from groundup.classical_ml.clustering import KMeans
from groundup.classical_ml.clustering.kmeans import kmeans_plusplus, squared_distances


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Test workers share two cores: a multi-threaded BLAS then slows an SVD down 100-fold.
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize("k", [2, 5, 10])
@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_same_initial_centres_give_sklearns_result(name: str, k: int) -> None:
    X = getattr(datasets, f"load_{name}")().data
    init = X[np.random.default_rng(k).choice(X.shape[0], k, replace=False)]
    ours = KMeans(k, init=init).fit(X)
    ref = cluster.KMeans(k, init=init, n_init=1).fit(X)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=0.01)
    # in fact the very same iterations:
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9, atol=1e-9)
    assert ours.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("k", [3, 8])
def test_kmeans_plusplus_inertia_comparable_to_sklearn(k: int) -> None:
    # Different random draws, same algorithm: the mean inertia over seeds agrees within 2%.
    X = datasets.load_digits().data
    ours = np.mean([KMeans(k, random_state=s).fit(X).inertia_ for s in range(4)])
    ref = np.mean([cluster.KMeans(k, random_state=s).fit(X).inertia_ for s in range(4)])
    assert ours == pytest.approx(ref, rel=0.02)


def test_kmeans_plusplus_seeds_are_spread_out() -> None:
    # Two tight, far-apart blobs: greedy k-means++ must seed one centre in each.
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 0.1, (50, 2)), rng.normal(100, 0.1, (50, 2))])
    for seed in range(10):
        centers, idx = kmeans_plusplus(X, 2, random_state=seed)
        assert sorted(idx // 50) == [0, 1]
        np.testing.assert_array_equal(centers, X[idx])


@given(n=st.integers(3, 40), d=st.integers(1, 4), k=st.integers(1, 3), seed=st.integers(0, 999))
def test_lloyd_fixed_point_and_inertia(n: int, d: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    km = KMeans(k, random_state=seed, tol=0.0).fit(X)
    D = squared_distances(X, km.cluster_centers_)
    # each point is with its nearest centre; inertia is the sum of those distances
    np.testing.assert_array_equal(km.labels_, np.argmin(D, axis=1))
    assert km.inertia_ == pytest.approx(D.min(axis=1).sum(), rel=1e-9, abs=1e-12)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(km.transform(X) ** 2, D, atol=1e-9)
    # and each centre is the mean of its points (tol=0: run to the fixed point)
    for c in np.unique(km.labels_):
        np.testing.assert_allclose(
            km.cluster_centers_[c], X[km.labels_ == c].mean(axis=0), atol=1e-9
        )


def test_sample_weight_is_a_weighted_mean() -> None:
    X = np.array([[0.0], [1.0], [10.0], [12.0]])
    km = KMeans(2, init=np.array([[0.0], [10.0]]), n_init=1).fit(X, sample_weight=[1, 3, 1, 1])
    np.testing.assert_allclose(km.cluster_centers_.ravel(), [0.75, 11.0])
    assert km.inertia_ == pytest.approx(0.75**2 + 3 * 0.25**2 + 1 + 1)


def test_bad_input() -> None:
    X = datasets.load_iris().data
    with pytest.raises(NotFittedError):
        KMeans(3).predict(X)
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=3"):
        KMeans(3).fit(X[:2])
    with pytest.raises(ValueError, match=r"initial centers \(2, 4\) does not match .* \(3, 4\)"):
        KMeans(3, init=X[:2]).fit(X)
    with pytest.raises(ValueError, match="init should be 'k-means\\+\\+', 'random'"):
        KMeans(3, init="kmeans").fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting 4"):
        KMeans(3, random_state=0).fit(X).predict(X[:, :2])
    with pytest.warns(RuntimeWarning, match="performing only one init"):
        KMeans(3, init=X[:3], n_init=4).fit(X)
