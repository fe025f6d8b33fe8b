"""Fréchet distance: zero on itself, rotation invariant, equal to scipy's sqrtm, not element-wise."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from groundup.generative.evaluation.frechet import (
    frechet_distance,
    gaussian_stats,
    trace_sqrt_product,
)


def _scipy_fd(a: np.ndarray, b: np.ndarray) -> float:
    """pytorch-fid's recipe: scipy.linalg.sqrtm of the product, real part."""
    mu1, s1 = a.mean(0), np.atleast_2d(np.cov(a, rowvar=False))
    mu2, s2 = b.mean(0), np.atleast_2d(np.cov(b, rowvar=False))
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(s1 + s2 - 2 * root))


def _features(rng: np.random.Generator, n: int, d: int, shift: float = 0.0) -> np.ndarray:
    # correlated features with unequal variances, as network features are
    mix = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mix + shift


@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_equals_scipy_sqrtm(seed: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    a = _features(rng, 4 * d + 10, d)
    b = _features(rng, 3 * d + 20, d, shift=rng.normal())
    assert frechet_distance(a, b) == pytest.approx(_scipy_fd(a, b), rel=1e-6, abs=1e-6)


def test_of_a_set_with_itself_is_zero() -> None:
    a = _features(np.random.default_rng(0), 300, 16)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


@given(st.integers(0, 2**32 - 1))
def test_unchanged_when_both_sets_are_rotated(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = _features(rng, 200, 8), _features(rng, 150, 8, shift=0.5)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))  # a random orthogonal matrix
    assert frechet_distance(a @ Q, b @ Q) == pytest.approx(frechet_distance(a, b), rel=1e-9)


def test_an_element_wise_root_is_not_the_matrix_root() -> None:
    """The bug of ddpm-from-scratch: sqrt(S1 * S2) element by element fails the scipy check."""
    rng = np.random.default_rng(1)
    a, b = _features(rng, 200, 6), _features(rng, 200, 6, shift=0.3)
    (_, s1), (_, s2) = gaussian_stats(a), gaussian_stats(b)
    exact = np.trace(scipy.linalg.sqrtm(s1 @ s2).real)
    assert trace_sqrt_product(s1, s2) == pytest.approx(exact, rel=1e-9)
    elementwise = np.trace(np.sqrt(np.abs(s1 * s2)))
    assert abs(elementwise - exact) > 1e-3 * abs(exact)


def test_gaussians_with_known_distance() -> None:
    """Diagonal covariances: d^2 = |mu1-mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2."""
    s1, s2 = np.diag([4.0, 1.0, 9.0]), np.diag([1.0, 1.0, 4.0])
    from groundup.generative.evaluation.frechet import frechet_distance_from_stats

    mu1, mu2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    expected = 1 + 4 + (2 - 1) ** 2 + 0 + (3 - 2) ** 2
    assert frechet_distance_from_stats(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)


def test_bad_shapes_are_named() -> None:
    with pytest.raises(ValueError, match="features_a and features_b"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="N >= 2"):
        gaussian_stats(np.zeros((1, 3)))
