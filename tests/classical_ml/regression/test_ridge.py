"""Ridge against scikit-learn: coefficients equal (rtol 1e-6), primal and dual forms."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes

from groundup.classical_ml import Ridge
from tests.classical_ml.sklearn_checks import sklearn_checks


@sklearn_checks([Ridge()])
def test_ridge_sklearn_checks(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # the NumPy array-API check skips itself otherwise
    check(estimator)


@pytest.mark.parametrize("alpha", [0.0, 1e-3, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn_on_diabetes(alpha, fit_intercept):
    X, y = load_diabetes(return_X_y=True)
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    ref = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-9)


@given(
    n=st.integers(2, 25),
    d=st.integers(1, 40),
    t=st.integers(0, 3),
    alpha=st.floats(1e-2, 1e2),
    seed=st.integers(0, 2**16),
)
def test_ridge_primal_and_dual_match_sklearn(n, d, t, alpha, seed):
    # d > n exercises the dual (n x n) system, d <= n the primal (d x d) one
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=(n, t)) if t else rng.normal(size=n)
    ours = Ridge(alpha=alpha).fit(X, y)
    ref = sk.Ridge(alpha=alpha).fit(X, y)
    # scikit-learn's Ridge gives coef_ shape (d,) for a (n, 1) target; ours is (1, d) like
    # LinearRegression's, so compare values in scikit-learn's shape
    assert ours.coef_.shape == ((t, d) if t else (d,))
    np.testing.assert_allclose(
        ours.coef_.reshape(ref.coef_.shape), ref.coef_, rtol=1e-6, atol=1e-10
    )
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-10)


def test_ridge_intercept_is_not_penalised():
    # with a huge alpha the weights vanish but the intercept stays the mean of y
    X, y = load_diabetes(return_X_y=True)
    est = Ridge(alpha=1e12).fit(X, y)
    assert np.abs(est.coef_).max() < 1e-6
    assert est.intercept_ == pytest.approx(y.mean(), rel=1e-9)


def test_ridge_bad_alpha():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="alpha must be a non-negative float, got -1"):
        Ridge(alpha=-1.0).fit(X, y)
