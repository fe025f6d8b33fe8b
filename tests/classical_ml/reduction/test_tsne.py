"""t-SNE: perplexity calibration and gradient checked against scikit-learn and finite differences,
the FFT repulsion against the direct sum, and embedding quality by trustworthiness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import datasets
from sklearn.manifold import TSNE as SkTSNE
from sklearn.manifold import trustworthiness
from sklearn.manifold._utils import _binary_search_perplexity
from threadpoolctl import threadpool_limits

from groundup.classical_ml.reduction import TSNE
from groundup.classical_ml.reduction._tsne_fft import repulsion
from groundup.classical_ml.reduction.tsne import (
    binary_search_perplexity,
    direct_repulsion,
    joint_probabilities,
    kl_gradient,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Test workers share two cores: a multi-threaded BLAS then slows an SVD down 100-fold.
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize("perplexity", [5.0, 30.0])
def test_perplexity_calibration_matches_sklearn(perplexity: float) -> None:
    X = datasets.load_digits().data[:300]
    D2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    D2 = np.sort(D2, axis=1)[:, 1:92]  # 91 nearest, self excluded
    ours = binary_search_perplexity(D2, perplexity)
    ref = _binary_search_perplexity(D2.astype(np.float32), perplexity, 0)
    np.testing.assert_allclose(ours, ref, atol=2e-5)
    # each row's entropy is $\ln$ perplexity
    H = -np.sum(np.where(ours > 0, ours * np.log(np.maximum(ours, 1e-300)), 0.0), axis=1)
    np.testing.assert_allclose(H, np.log(perplexity), atol=1e-4)


def test_joint_probabilities_are_symmetric_and_normalised() -> None:
    X = datasets.load_iris().data
    rows, cols, P = joint_probabilities(X, 10.0, 31)
    dense = np.zeros((150, 150))
    dense[rows, cols] = P
    np.testing.assert_allclose(dense, dense.T, atol=1e-15)
    assert P.sum() == pytest.approx(1.0)
    assert np.all(np.diag(dense) == 0)


@given(n=st.integers(5, 14), d=st.integers(1, 3), seed=st.integers(0, 999))
def test_gradient_equals_finite_differences_of_kl(n: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    rows, cols, P = joint_probabilities(X, min(3.0, n - 1.5), n - 1)
    Y = rng.normal(size=(n, d))
    _, grad = kl_gradient(Y, rows, cols, P, method="exact")
    num = np.zeros_like(Y)
    eps = 1e-6
    for i in range(n):
        for c in range(d):
            Yp, Ym = Y.copy(), Y.copy()
            Yp[i, c] += eps
            Ym[i, c] -= eps
            fp = kl_gradient(Yp, rows, cols, P, method="exact")[0]
            fm = kl_gradient(Ym, rows, cols, P, method="exact")[0]
            num[i, c] = (fp - fm) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    ("scale", "tol"),
    # boxes of unit width while the extent is under MAX_BOXES; wider beyond (scale 30: ~300)
    [(0.5, 1e-3), (5.0, 0.05), (30.0, 0.15)],
)
def test_fft_repulsion_close_to_direct_sum(scale: float, tol: float) -> None:
    rng = np.random.default_rng(0)
    Y = np.concatenate([rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) + 3]) * scale
    sum_K, rep = repulsion(Y)
    sum_K_ref, rep_ref = direct_repulsion(Y)
    # $Z = \sum_i \sum_{j \ne i} K_{ij}$ within 0.2%; the forces within tol (relative norm)
    assert sum_K.sum() == pytest.approx(sum_K_ref.sum(), rel=2e-3)
    assert np.linalg.norm(rep - rep_ref) <= tol * np.linalg.norm(rep_ref)
    assert np.abs(rep - rep_ref).max() <= 3 * tol * np.abs(rep_ref).max()


def test_direct_repulsion_equals_the_double_sum() -> None:
    Y = np.random.default_rng(1).normal(size=(30, 3))
    D = Y[:, None] - Y[None]
    K = 1 / (1 + (D**2).sum(-1))
    np.fill_diagonal(K, 0)
    sum_K, rep = direct_repulsion(Y, block=7)
    np.testing.assert_allclose(sum_K, K.sum(1), rtol=1e-12)
    np.testing.assert_allclose(rep, np.einsum("ij,ijc->ic", K**2, D), rtol=1e-10, atol=1e-14)


def test_digits_subset_is_trustworthy_with_the_fft_gradient() -> None:
    # 700 points: above the size where the FFT grid takes over from the direct sum.
    X = datasets.load_digits().data[:700]
    tsne = TSNE(max_iter=300, random_state=0)
    Y = tsne.fit_transform(X)
    assert Y.shape == (700, 2) and tsne.embedding_ is Y
    assert trustworthiness(X, Y, n_neighbors=5) >= 0.95
    assert tsne.n_iter_ == 299
    assert tsne.learning_rate_ == pytest.approx(max(700 / 12 / 4, 50))


def test_exact_method_matches_sklearn_quality_on_iris() -> None:
    X = datasets.load_iris().data
    ours = TSNE(method="exact", perplexity=20, max_iter=500, random_state=0)
    Y = ours.fit_transform(X)
    ref = SkTSNE(method="exact", perplexity=20, max_iter=500, random_state=0, init="pca")
    Y_ref = ref.fit_transform(X)
    assert trustworthiness(X, Y, n_neighbors=5) >= trustworthiness(X, Y_ref, n_neighbors=5) - 0.01
    assert ours.kl_divergence_ == pytest.approx(ref.kl_divergence_, rel=0.15)


@pytest.mark.slow
def test_full_digits_trustworthiness_and_kl_against_sklearn() -> None:
    X = datasets.load_digits().data
    ours = TSNE(random_state=0)
    Y = ours.fit_transform(X)
    ref = SkTSNE(random_state=0).fit(X)
    assert trustworthiness(X, Y, n_neighbors=5) >= 0.95
    assert ours.kl_divergence_ <= 1.15 * ref.kl_divergence_


def test_bad_input() -> None:
    X = datasets.load_iris().data
    with pytest.raises(
        ValueError, match=r"perplexity \(200\) must be positive and less than n_samples \(150\)"
    ):
        TSNE(perplexity=200).fit(X)
    with pytest.raises(ValueError, match="method must be 'fft' or 'exact'"):
        TSNE(method="barnes_hut").fit(X)
    with pytest.raises(ValueError, match=r"init array has shape \(3, 2\), expected"):
        TSNE(init=np.zeros((3, 2))).fit(X)
    with pytest.raises(ValueError, match="max_iter should be at least 250"):
        TSNE(max_iter=100).fit(X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        TSNE().fit(np.full((5, 2), np.nan))
