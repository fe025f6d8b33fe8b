"""LinearRegression against scikit-learn: coefficients (rtol 1e-6), both solvers, errors."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.exceptions
import sklearn.linear_model as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes

from groundup.classical_ml import LinearRegression, NotFittedError
from tests.classical_ml.sklearn_checks import sklearn_checks


@sklearn_checks([LinearRegression(), LinearRegression(solver="gd")])
def test_linear_sklearn_checks(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # the NumPy array-API check skips itself otherwise
    check(estimator)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_linear_matches_sklearn_on_diabetes(fit_intercept):
    X, y = load_diabetes(return_X_y=True)
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-9)


def test_gradient_descent_reaches_the_closed_form():
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)  # GD's speed depends on conditioning
    gd = LinearRegression(solver="gd", tol=1e-10, max_iter=100_000).fit(X, y)
    ref = sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(gd.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gd.intercept_, ref.intercept_, rtol=1e-9)
    assert 1 < gd.n_iter_ < 100_000


def test_gradient_descent_divergence_is_reported():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(FloatingPointError, match="diverged with lr=1000"):
        LinearRegression(solver="gd", lr=1000.0).fit(X * 100, y)


@given(
    n=st.integers(3, 30),
    d=st.integers(1, 6),
    t=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_linear_multi_target_and_rank_deficient(n, d, t, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if d > 1 and n > d:
        X[:, -1] = X[:, 0]  # a duplicated column: lstsq returns the minimum-norm solution
    y = rng.normal(size=(n, t)) if t else rng.normal(size=n)
    ours = LinearRegression().fit(X, y)
    ref = sk.LinearRegression().fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


def test_linear_errors_are_sklearns_classes():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        LinearRegression().predict(X)
    with pytest.raises(NotFittedError):
        LinearRegression().predict(X)
    est = LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LinearRegression is expecting 10"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        est.predict(X[0])
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LinearRegression().fit(X_nan, y)
    with pytest.raises(ValueError, match="solver must be 'lstsq' or 'gd'"):
        LinearRegression(solver="sgd").fit(X, y)
