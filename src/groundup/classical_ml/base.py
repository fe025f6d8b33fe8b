r"""The estimator base: scikit-learn's estimator conventions, written in NumPy.

Every classical model in ``groundup.classical_ml`` is a scikit-learn-style estimator:

- hyper-parameters are the keyword arguments of ``__init__``, stored unchanged as
  attributes of the same name (``get_params`` / ``set_params`` read them from the
  signature, so ``sklearn.base.clone`` and grid searches work);
- ``fit(X, y)`` learns state stored in attributes with a trailing underscore
  (``coef_``, ``classes_``, ``n_features_in_``) and returns ``self``;
- ``predict`` / ``transform`` / ``predict_proba`` first check the estimator is
  fitted, then that ``X`` has the number of features seen in ``fit``.

The base class and mixins live in :mod:`groundup.utils.estimator`, input validation in
:mod:`groundup.utils.validation` (the ground floor, shared with the scalers of
:mod:`groundup.utils.data_utils`); this module re-exports both. Validation raises the
*same exception classes* scikit-learn raises: an estimator calls :func:`validate_data`
(in ``fit`` with ``reset=True``, elsewhere with ``reset=False``), :func:`check_is_fitted`
and :func:`check_classification_targets`. scikit-learn itself is never imported, except
lazily inside ``__sklearn_tags__``, which only scikit-learn calls.

>>> import numpy as np
>>> class Mean(RegressorMixin, BaseEstimator):
...     def __init__(self, shift=0.0):
...         self.shift = shift
...     def fit(self, X, y):
...         X, y = validate_data(self, X, y, y_numeric=True)
...         self.mean_ = y.mean() + self.shift
...         return self
...     def predict(self, X):
...         check_is_fitted(self)
...         X = validate_data(self, X, reset=False)
...         return np.full(X.shape[0], self.mean_)
>>> Mean(shift=1.0)
Mean(shift=1.0)
>>> Mean().fit([[0.0], [1.0]], [1.0, 3.0]).predict([[5.0]])
array([2.])
"""

from __future__ import annotations

from groundup.utils.estimator import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    RegressorMixin,
    TransformerMixin,
)
from groundup.utils.validation import (
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_scalar,
    check_X_y,
    column_or_1d,
    type_of_target,
    validate_data,
)

__all__ = [
    "BaseEstimator",
    "ClassifierMixin",
    "ClusterMixin",
    "ConvergenceWarning",
    "DataConversionWarning",
    "NotFittedError",
    "RegressorMixin",
    "TransformerMixin",
    "check_X_y",
    "check_array",
    "check_classification_targets",
    "check_is_fitted",
    "check_scalar",
    "column_or_1d",
    "type_of_target",
    "validate_data",
]
