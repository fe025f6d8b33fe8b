"""LogisticRegression against scikit-learn: probabilities within 1e-4 at the same C.

Features are standardised and both libraries run with tol=1e-10 so that both reach the
(unique) optimum of the same strictly convex objective.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.exceptions
import sklearn.linear_model as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.preprocessing import StandardScaler

from groundup.classical_ml import LogisticRegression
from groundup.classical_ml.base import ConvergenceWarning
from groundup.classical_ml.classification.logistic import minimize_lbfgs
from tests.classical_ml.sklearn_checks import sklearn_checks


@sklearn_checks([LogisticRegression(), LogisticRegression(solver="newton")])
def test_logistic_sklearn_checks(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # the NumPy array-API check skips itself otherwise
    check(estimator)


def _standardised(load, n=None):
    X, y = load(return_X_y=True)
    X, y = X[:n], y[:n]
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize(
    ("load", "n"),
    [(load_iris, None), (load_wine, None), (load_breast_cancer, None), (load_digits, 500)],
)
@pytest.mark.parametrize("C", [0.1, 10.0])
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_logistic_matches_sklearn(load, n, C, solver):
    X, y = _standardised(load, n)
    ours = LogisticRegression(C=C, tol=1e-10, max_iter=5000, solver=solver).fit(X, y)
    ref = sk.LogisticRegression(C=C, tol=1e-10, max_iter=5000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-3)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-3)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.coef_.shape == ref.coef_.shape and ours.intercept_.shape == ref.intercept_.shape


@given(
    n=st.integers(10, 40),
    d=st.integers(1, 5),
    k=st.integers(2, 4),
    C=st.sampled_from([0.01, 1.0, 100.0]),
    fit_intercept=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_logistic_random_problems(n, d, k, C, fit_intercept, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.array(["a", "b", "c", "d"])[np.arange(n) % k]  # string labels, every class present
    rng.shuffle(y)
    ours = LogisticRegression(C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=5000).fit(X, y)
    ref = sk.LogisticRegression(C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=5000).fit(
        X, y
    )
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), ours.predict_proba(X), rtol=1e-9)


def test_newton_and_lbfgs_reach_the_same_optimum_in_few_newton_steps():
    X, y = _standardised(load_wine)
    newton = LogisticRegression(solver="newton", tol=1e-8).fit(X, y)
    lbfgs = LogisticRegression(solver="lbfgs", tol=1e-8, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(newton.predict_proba(X), lbfgs.predict_proba(X), atol=1e-6)
    assert newton.n_iter_[0] <= 12 < lbfgs.n_iter_[0]


def test_minimize_lbfgs_on_a_quadratic():
    # $F(\theta) = \frac12 \theta^\top A \theta - b^\top \theta$, optimum $A^{-1} b$
    rng = np.random.default_rng(0)
    M = rng.normal(size=(8, 8))
    A, b = M @ M.T + np.eye(8), rng.normal(size=8)
    theta, n_iter, converged = minimize_lbfgs(
        lambda t: (0.5 * t @ A @ t - b @ t, A @ t - b), np.zeros(8), tol=1e-10, max_iter=200
    )
    assert converged and n_iter < 200
    # stops at tol or when F stalls (relative decrease < 64 eps): theta to ~sqrt(eps)
    np.testing.assert_allclose(theta, np.linalg.solve(A, b), rtol=1e-5, atol=1e-7)


def test_unpenalised_and_not_converged_warning():
    X, y = _standardised(load_iris)
    ours = LogisticRegression(C=np.inf, tol=1e-8, max_iter=5000).fit(X[50:], y[50:])
    ref = sk.LogisticRegression(C=np.inf, tol=1e-8, max_iter=5000).fit(X[50:], y[50:])
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        LogisticRegression(max_iter=2).fit(X, y)


def test_logistic_errors():
    X, y = _standardised(load_iris)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        LogisticRegression().predict_proba(X)
    est = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LogisticRegression is expecting 4"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        est.decision_function(X[0])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LogisticRegression().fit(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        LogisticRegression().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="only one class: 1"):
        LogisticRegression().fit(X, np.ones(len(X), int))
    with pytest.raises(ValueError, match="C must be a positive float"):
        LogisticRegression(C=0.0).fit(X, y)
    with pytest.raises(ValueError, match="solver must be 'lbfgs' or 'newton', got 'sag'"):
        LogisticRegression(solver="sag").fit(X, y)
