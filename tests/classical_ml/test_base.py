"""The estimator base: params, repr, tags, and validation raising scikit-learn's exceptions.

Two tiny estimators built on the base (a mean regressor, a majority classifier) pass
scikit-learn's full estimator-check suite, which shows the base alone is compatible.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import sklearn.exceptions
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_array as sk_check_array

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    DataConversionWarning,
    NotFittedError,
    RegressorMixin,
    TransformerMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_scalar,
    check_X_y,
    type_of_target,
    validate_data,
)


class MeanRegressor(RegressorMixin, BaseEstimator):
    """Predicts ``mean(y) + shift``."""

    def __init__(self, shift: float = 0.0) -> None:
        self.shift = shift

    def fit(self, X, y):
        X, y = validate_data(self, X, y, y_numeric=True)
        self.mean_ = y.mean() + self.shift
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.full(X.shape[0], self.mean_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a constant predictor: R² is 0 by design
        return tags


class NearestMeanClassifier(ClassifierMixin, BaseEstimator):
    """Assigns the class whose training mean is nearest."""

    def __init__(self, p: int = 2) -> None:
        self.p = p

    def fit(self, X, y):
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self.means_ = np.stack([X[y_idx == k].mean(0) for k in range(len(self.classes_))])
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        d = np.linalg.norm(X[:, None, :] - self.means_[None], ord=self.p, axis=2)
        return self.classes_[d.argmin(1)]


class Scale(TransformerMixin, BaseEstimator):
    def __init__(self, factor: float = 2.0) -> None:
        self.factor = factor

    def fit(self, X, y=None):
        validate_data(self, X)
        return self

    def transform(self, X):
        check_is_fitted(self)
        return self.factor * validate_data(self, X, reset=False)


with warnings.catch_warnings():
    # "does not inherit from sklearn.base.BaseEstimator": by design, the base is ours
    warnings.filterwarnings("ignore", message="Estimator .* does not inherit")
    _sklearn_checks = parametrize_with_checks([MeanRegressor(), NearestMeanClassifier(), Scale()])


@_sklearn_checks
def test_base_estimators_pass_sklearn_checks(estimator, check, monkeypatch):
    # scikit-learn's NumPy array-API check skips itself unless this is set; NumPy only here
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def test_get_set_params_and_clone():
    est = MeanRegressor(shift=3.0)
    assert est.get_params() == {"shift": 3.0}
    assert est.set_params(shift=1.5) is est and est.shift == 1.5
    twin = clone(est)
    assert twin is not est and twin.shift == 1.5
    with pytest.raises(ValueError, match="Invalid parameter 'bogus' for estimator"):
        est.set_params(bogus=1)


def test_params_work_in_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = rng.normal(size=40) + 5.0
    search = GridSearchCV(MeanRegressor(), {"shift": [-5.0, 0.0, 5.0]}, cv=2).fit(X, y)
    assert search.best_params_ == {"shift": 0.0}


def test_repr_shows_only_changed_params():
    assert repr(MeanRegressor()) == "MeanRegressor()"
    assert repr(MeanRegressor(shift=2.0)) == "MeanRegressor(shift=2.0)"


def test_tags_and_estimator_type():
    assert is_regressor(MeanRegressor()) and not is_classifier(MeanRegressor())
    assert is_classifier(NearestMeanClassifier())


def test_scores():
    X = np.arange(6.0).reshape(3, 2)
    assert MeanRegressor().fit(X, [1.0, 2.0, 3.0]).score(X, [1.0, 2.0, 3.0]) == 0.0
    assert MeanRegressor().fit(X, [2.0, 2.0, 2.0]).score(X, [2.0, 2.0, 2.0]) == 1.0
    clf = NearestMeanClassifier().fit(X, ["a", "a", "b"])
    assert clf.score(X, ["a", "a", "b"]) == 1.0
    assert clf.score(X, ["b", "b", "b"]) == pytest.approx(1 / 3)


def test_pickle_round_trip():
    X = np.arange(8.0).reshape(4, 2)
    est = MeanRegressor().fit(X, [1.0, 2.0, 3.0, 4.0])
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))


# --- validation: the same exception classes (and key words) as scikit-learn --------


@pytest.mark.parametrize(
    ("bad", "exc", "match"),
    [
        (np.arange(3.0), ValueError, "Expected 2D array, got 1D array instead"),
        (np.array(1.0), ValueError, "Expected 2D array, got scalar array instead"),
        (np.array([[1.0, np.nan]]), ValueError, "Input X contains NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "Input X contains infinity"),
        (np.empty((0, 3)), ValueError, r"Found array with 0 sample\(s\) \(shape=\(0, 3\)\)"),
        (np.empty((3, 0)), ValueError, r"Found array with 0 feature\(s\) \(shape=\(3, 0\)\)"),
        (np.array([[1 + 1j]]), ValueError, "Complex data not supported"),
        (np.zeros((2, 2, 2)), ValueError, "Found array with dim 3"),
        (np.array([[{"a": 1}]], dtype=object), TypeError, "argument must be"),
    ],
)
def test_check_array_errors_match_sklearn(bad, exc, match):
    with pytest.raises(exc, match=match):
        check_array(bad)
    with pytest.raises(exc):  # scikit-learn raises the same class on the same input
        sk_check_array(bad)


def test_check_array_rejects_sparse_with_typeerror():
    from scipy import sparse

    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        check_array(sparse.csr_array(np.eye(3)))


def test_check_array_dtype_rules():
    assert check_array([[1, 2]]).dtype.kind == "i"  # numeric kept
    assert check_array(np.array([[1, 2]], dtype=object)).dtype == np.float64
    assert check_array([[1, 2]], dtype=np.float64).dtype == np.float64
    x32 = np.ones((2, 2), np.float32)
    assert check_array(x32, dtype=[np.float64, np.float32]).dtype == np.float32
    assert check_array([[1, 2]], dtype=[np.float64, np.float32]).dtype == np.float64
    assert check_array(x32, copy=True) is not x32
    assert check_array(x32) is x32
    assert check_array(np.array([[1.0, np.nan]]), ensure_all_finite="allow-nan").shape == (1, 2)


def test_check_X_y():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[3, 2\]"):
        check_X_y(X, [1, 2])
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        check_X_y(X, None)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        check_X_y(X, [1.0, np.nan, 2.0], y_numeric=True)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        _, y = check_X_y(X, [[1], [2], [3]])
    assert y.shape == (3,)
    with pytest.raises(ValueError, match=r"y should be a 1d array, got an array of shape \(3, 2\)"):
        check_X_y(X, np.ones((3, 2)))
    _, y2 = check_X_y(X, np.ones((3, 2)), multi_output=True)
    assert y2.shape == (3, 2)


def test_n_features_checked_at_predict():
    est = MeanRegressor().fit(np.ones((3, 4)), [1.0, 2.0, 3.0])
    assert est.n_features_in_ == 4
    with pytest.raises(ValueError, match="X has 2 features, but MeanRegressor is expecting 4"):
        est.predict(np.ones((3, 2)))


def test_not_fitted_error_is_value_and_attribute_error():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    with pytest.raises(NotFittedError, match="This MeanRegressor instance is not fitted yet"):
        MeanRegressor().predict(np.ones((2, 2)))
    # scikit-learn is loaded in this process: the error is also scikit-learn's class
    with pytest.raises(sklearn.exceptions.NotFittedError) as info:
        check_is_fitted(MeanRegressor())
    again = pickle.loads(pickle.dumps(info.value))  # e.g. sent back from a worker process
    assert type(again) is NotFittedError and again.args == info.value.args
    with pytest.raises(NotFittedError):
        check_is_fitted(MeanRegressor().fit(np.ones((2, 1)), [1.0, 2.0]), "coef_")
    with pytest.raises(TypeError, match="is not an estimator instance"):
        check_is_fitted(MeanRegressor)

    class Stateless(MeanRegressor):
        def __sklearn_is_fitted__(self):
            return self.shift == 0.0

    check_is_fitted(Stateless())
    with pytest.raises(NotFittedError):
        check_is_fitted(Stateless(shift=1.0))


@pytest.mark.parametrize(
    ("y", "kind"),
    [
        ([0, 1, 1], "binary"),
        (["a", "b", "c"], "multiclass"),
        ([0.0, 1.0, 2.0], "multiclass"),
        ([0.5, 1.0], "continuous"),
        ([[0, 1], [1, 0]], "multilabel-indicator"),
        ([[0, 2], [1, 0]], "multiclass-multioutput"),
        ([[0.5, 2], [1, 0]], "continuous-multioutput"),
        (np.array([1, 2], dtype=object), "unknown"),
    ],
)
def test_type_of_target_matches_sklearn(y, kind):
    from sklearn.utils.multiclass import type_of_target as sk_type_of_target

    assert type_of_target(y) == kind == sk_type_of_target(y)


def test_check_classification_targets():
    check_classification_targets([0, 1, 2])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        check_classification_targets([0.5, 1.5])
    with pytest.raises(ValueError, match="Unknown label type: unknown"):
        check_classification_targets(np.array([0, 1], dtype=object))


def test_check_scalar():
    assert check_scalar(0.5, "alpha", float, min_val=0.0) == 0.5
    with pytest.raises(TypeError, match="n_neighbors must be an instance of"):
        check_scalar(2.5, "n_neighbors", int)
    with pytest.raises(TypeError):
        check_scalar(True, "n_neighbors", int)
    with pytest.raises(ValueError, match=r"alpha == -1.0, must be >= 0.0"):
        check_scalar(-1.0, "alpha", float, min_val=0.0)
    with pytest.raises(ValueError, match=r"tol == 0.0, must be > 0.0"):
        check_scalar(0.0, "tol", float, min_val=0.0, include_boundaries="right")


def test_no_warning_for_1d_y():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_X_y(np.ones((2, 1)), [1, 2])
