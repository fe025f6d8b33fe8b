"""GaussianMixture side by side with scikit-learn: the same EM path from the same initialisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import datasets, mixture
from sklearn.exceptions import NotFittedError
from threadpoolctl import threadpool_limits

from groundup.classical_ml.clustering import GaussianMixture
from groundup.classical_ml.clustering.gmm import logsumexp


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Test workers share two cores: a multi-threaded BLAS then slows an SVD down 100-fold.
    with threadpool_limits(1):
        yield


TYPES = ["full", "tied", "diag", "spherical"]


def _init(ct: str, X: np.ndarray, K: int) -> dict:
    d = X.shape[1]
    prec = {
        "full": np.stack([np.eye(d)] * K),
        "tied": np.eye(d),
        "diag": np.ones((K, d)),
        "spherical": np.ones(K),
    }[ct]
    means = X[np.linspace(0, X.shape[0] - 1, K).astype(int)]
    return {"means_init": means, "weights_init": np.ones(K) / K, "precisions_init": prec}


@pytest.mark.parametrize("ct", TYPES)
@pytest.mark.parametrize("name", ["iris", "wine"])
def test_lower_bound_equals_sklearn_from_the_same_init(ct: str, name: str) -> None:
    X = getattr(datasets, f"load_{name}")().data
    if name == "wine":
        X = (X - X.mean(0)) / X.std(0)
    kw = dict(covariance_type=ct, tol=1e-6, max_iter=300, **_init(ct, X, 3))
    ours = GaussianMixture(3, **kw).fit(X)
    ref = mixture.GaussianMixture(3, **kw).fit(X)
    assert abs(ours.lower_bound_ - ref.lower_bound_) < 1e-3
    assert ours.n_iter_ == ref.n_iter_ and ours.converged_ == ref.converged_
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.precisions_, ref.precisions_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-7)
    assert ours.bic(X) == pytest.approx(ref.bic(X), rel=1e-7)
    assert ours.aic(X) == pytest.approx(ref.aic(X), rel=1e-7)
    # EM never decreases the log-likelihood
    assert np.all(np.diff(ours.lower_bounds_) >= -1e-10)
    assert ours.lower_bounds_[-1] == ours.lower_bound_


@pytest.mark.parametrize("ct", TYPES)
def test_kmeans_init_reaches_sklearns_fit(ct: str) -> None:
    X = datasets.load_iris().data
    ours = GaussianMixture(3, covariance_type=ct, random_state=0).fit(X)
    ref = mixture.GaussianMixture(3, covariance_type=ct, random_state=0).fit(X)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, abs=1e-3)


@given(
    n=st.integers(20, 80),
    d=st.integers(1, 3),
    K=st.integers(1, 3),
    ct=st.sampled_from(TYPES),
    init=st.sampled_from(["kmeans", "k-means++", "random", "random_from_data"]),
    seed=st.integers(0, 999),
)
def test_em_log_likelihood_never_decreases(n, d, K, ct, init, seed) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + 4 * rng.integers(0, 2, size=(n, 1))
    gm = GaussianMixture(K, covariance_type=ct, init_params=init, random_state=seed, max_iter=50)
    labels = gm.fit_predict(X)
    assert np.all(np.diff(gm.lower_bounds_) >= -1e-9)
    assert gm.weights_.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(labels, gm.predict(X))
    # the lower bound is the mean log-likelihood at the last E-step, close to the final one
    assert gm.score(X) >= gm.lower_bound_ - 1e-9


def test_logsumexp_does_not_overflow() -> None:
    a = np.array([[1000.0, 1000.0], [-1000.0, -np.inf]])
    np.testing.assert_allclose(logsumexp(a, axis=1), [1000.0 + np.log(2.0), -1000.0])


def test_bad_input() -> None:
    X = datasets.load_iris().data
    with pytest.raises(NotFittedError):
        GaussianMixture(2).predict(X)
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        GaussianMixture(2, covariance_type="banded").fit(X)
    with pytest.raises(
        ValueError, match=r"'means_init' should have the shape of \(2, 4\), but got \(3, 4\)"
    ):
        GaussianMixture(2, means_init=X[:3]).fit(X)
    with pytest.raises(ValueError, match="Expected n_samples >= n_components"):
        GaussianMixture(5).fit(X[:3])
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        GaussianMixture(2, reg_covar=0.0, random_state=0).fit(np.repeat(X[:2], 5, axis=0))
