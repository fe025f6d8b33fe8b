"""PCA side by side with scikit-learn: components equal up to sign (here: equal, same sign rule)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import datasets, decomposition
from threadpoolctl import threadpool_limits

from groundup.classical_ml.base import NotFittedError
from groundup.classical_ml.reduction import PCA


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Test workers share two cores: a multi-threaded BLAS then slows an SVD down 100-fold.
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize("whiten", [False, True])
@pytest.mark.parametrize("n_components", [None, 2, 5, 0.5, 0.95])
@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits"])
def test_equals_sklearn(name: str, n_components, whiten: bool) -> None:
    X = getattr(datasets, f"load_{name}")().data
    if isinstance(n_components, int) and n_components > X.shape[1]:
        n_components = X.shape[1]
    ours = PCA(n_components, whiten=whiten).fit(X)
    ref = decomposition.PCA(n_components, whiten=whiten, svd_solver="full").fit(X)
    assert ours.n_components_ == ref.n_components_
    # equal up to sign, and with svd_flip's rule the signs agree too
    np.testing.assert_allclose(np.abs(ours.components_), np.abs(ref.components_), atol=1e-8)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-8)
    for attr in ("explained_variance_", "explained_variance_ratio_", "singular_values_", "mean_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=1e-8)
    assert ours.noise_variance_ == pytest.approx(ref.noise_variance_, rel=1e-7, abs=1e-12)
    # (whitening a zero-variance axis, e.g. digits' blank pixels, divides noise by ~0)
    keep = ours.explained_variance_ > 1e-9 * ours.explained_variance_[0]
    Z = ours.transform(X)
    np.testing.assert_allclose(Z[:, keep], ref.transform(X)[:, keep], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.fit_transform(X)[:, keep], Z[:, keep], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        ours.inverse_transform(Z), ref.inverse_transform(Z), rtol=1e-6, atol=1e-8
    )


@given(n=st.integers(2, 30), d=st.integers(1, 8), seed=st.integers(0, 999))
def test_full_rank_pca_is_a_rotation(n: int, d: int, seed: int) -> None:
    X = np.random.default_rng(seed).normal(size=(n, d)) * np.arange(1, d + 1)
    pca = PCA().fit(X)
    Z = pca.transform(X)
    np.testing.assert_allclose(pca.inverse_transform(Z), X, atol=1e-9)  # nothing lost
    V = pca.components_
    np.testing.assert_allclose(V @ V.T, np.eye(V.shape[0]), atol=1e-9)  # orthonormal axes
    np.testing.assert_allclose(
        np.var(Z, axis=0, ddof=1), pca.explained_variance_, rtol=1e-7, atol=1e-10
    )
    assert np.all(np.diff(pca.explained_variance_) <= 1e-12)  # sorted, largest first
    assert np.all(V[np.arange(V.shape[0]), np.argmax(np.abs(V), axis=1)] > 0)  # sign rule


def test_whitened_components_have_unit_variance() -> None:
    X = datasets.load_digits().data
    Z = PCA(10, whiten=True).fit_transform(X)
    np.testing.assert_allclose(np.var(Z, axis=0, ddof=1), 1.0, rtol=1e-9)


def test_bad_input() -> None:
    X = datasets.load_iris().data
    with pytest.raises(NotFittedError):
        PCA().transform(X)
    with pytest.raises(
        ValueError, match=r"n_components=5 must be between 0 and min\(n_samples, n_features\)=4"
    ):
        PCA(5).fit(X)
    with pytest.raises(ValueError, match="n_components must be None, an int or a float in"):
        PCA(1.5).fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but PCA is expecting 4"):
        PCA(2).fit(X).transform(X[:, :3])
