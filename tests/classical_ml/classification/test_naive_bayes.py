"""GaussianNB / MultinomialNB against scikit-learn: probabilities within 1e-8."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.naive_bayes as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine

from groundup.classical_ml import GaussianNB, MultinomialNB
from tests.classical_ml.sklearn_checks import sklearn_checks


@sklearn_checks([GaussianNB(), MultinomialNB()])
def test_naive_bayes_sklearn_checks(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # the NumPy array-API check skips itself otherwise
    check(estimator)


@pytest.mark.parametrize("load", [load_iris, load_wine, load_breast_cancer, load_digits])
def test_gaussian_nb_matches_sklearn(load):
    X, y = load(return_X_y=True)
    ours = GaussianNB().fit(X[::2], y[::2])
    ref = sk.GaussianNB().fit(X[::2], y[::2])
    np.testing.assert_allclose(ours.theta_, ref.theta_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X[1::2]), ref.predict_proba(X[1::2]), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X[1::2]), ref.predict(X[1::2]))


@given(
    n=st.integers(4, 40),
    d=st.integers(1, 5),
    k=st.integers(1, 4),
    smoothing=st.sampled_from([1e-9, 1e-3, 0.5]),
    seed=st.integers(0, 2**16),
)
def test_gaussian_nb_random(n, d, k, smoothing, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
    y = np.arange(n) % k  # every class present
    ours = GaussianNB(var_smoothing=smoothing).fit(X, y)
    ref = sk.GaussianNB(var_smoothing=smoothing).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_allclose(
        ours.predict_log_proba(X), ref.predict_log_proba(X), rtol=1e-8, atol=1e-8
    )


def test_gaussian_nb_priors():
    X, y = load_iris(return_X_y=True)
    priors = [0.6, 0.3, 0.1]
    ours = GaussianNB(priors=priors).fit(X, y)
    ref = sk.GaussianNB(priors=priors).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    with pytest.raises(ValueError, match="sum of the priors should be 1"):
        GaussianNB(priors=[0.5, 0.3, 0.1]).fit(X, y)
    with pytest.raises(ValueError, match=r"priors has shape \(2,\), there are 3 classes"):
        GaussianNB(priors=[0.5, 0.5]).fit(X, y)


@pytest.mark.parametrize("alpha", [1.0, 0.1, 1e-3])
@pytest.mark.parametrize("fit_prior", [True, False])
def test_multinomial_nb_matches_sklearn_on_digits(alpha, fit_prior):
    X, y = load_digits(return_X_y=True)  # pixel intensities 0..16: counts
    ours = MultinomialNB(alpha=alpha, fit_prior=fit_prior).fit(X[::2], y[::2])
    ref = sk.MultinomialNB(alpha=alpha, fit_prior=fit_prior).fit(X[::2], y[::2])
    np.testing.assert_allclose(ours.feature_log_prob_, ref.feature_log_prob_, rtol=1e-10)
    np.testing.assert_allclose(ours.class_log_prior_, ref.class_log_prior_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X[1::2]), ref.predict_proba(X[1::2]), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X[1::2]), ref.predict(X[1::2]))


@given(
    n=st.integers(3, 30),
    d=st.integers(1, 8),
    k=st.integers(1, 3),
    alpha=st.floats(0.01, 5.0),
    seed=st.integers(0, 2**16),
)
def test_multinomial_nb_random_counts(n, d, k, alpha, seed):
    rng = np.random.default_rng(seed)
    X = rng.poisson(3.0, size=(n, d))
    y = np.array(["a", "b", "c"])[np.arange(n) % k]
    ours = MultinomialNB(alpha=alpha).fit(X, y)
    ref = sk.MultinomialNB(alpha=alpha).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)


def test_multinomial_nb_class_prior_and_errors():
    X, y = load_digits(return_X_y=True)
    prior = np.full(10, 0.1)
    ours = MultinomialNB(class_prior=prior).fit(X, y)
    ref = sk.MultinomialNB(class_prior=prior).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    with pytest.raises(ValueError, match="Negative values in data passed to MultinomialNB"):
        MultinomialNB().fit(X - 1, y)
    with pytest.raises(ValueError, match="Negative values in data passed to MultinomialNB"):
        MultinomialNB().fit(X, y).predict(-X)
    with pytest.raises(ValueError, match="alpha must be a non-negative float, got -1"):
        MultinomialNB(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MultinomialNB().fit(X, y + 0.5)
