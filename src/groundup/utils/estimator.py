r"""The estimator base: scikit-learn's estimator conventions, written in NumPy.

Every estimator in groundup (the models of :mod:`groundup.classical_ml`, the scalers of
:mod:`groundup.utils.data_utils`) is a scikit-learn-style estimator:

- hyper-parameters are the keyword arguments of ``__init__``, stored unchanged as
  attributes of the same name (``get_params`` / ``set_params`` read them from the
  signature, so ``sklearn.base.clone`` and grid searches work);
- ``fit(X, y)`` learns state stored in attributes with a trailing underscore
  (``coef_``, ``classes_``, ``n_features_in_``) and returns ``self``;
- ``predict`` / ``transform`` / ``predict_proba`` first check the estimator is
  fitted (:func:`groundup.utils.validation.check_is_fitted`), then that ``X`` has the
  number of features seen in ``fit``.

It lives on the ground floor (``groundup.utils``) so that nothing below
``classical_ml`` imports upward; ``groundup.classical_ml.base`` re-exports it.
scikit-learn is never imported here, except lazily inside ``__sklearn_tags__``, which
only scikit-learn calls.

>>> class Shift(BaseEstimator):
...     def __init__(self, shift=0.0, scale=1.0):
...         self.shift = shift
...         self.scale = scale
>>> Shift(shift=1.0)
Shift(shift=1.0)
>>> Shift().set_params(scale=2.0).get_params()
{'scale': 2.0, 'shift': 0.0}
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from groundup.utils.validation import column_or_1d

__all__ = ["BaseEstimator", "ClassifierMixin", "ClusterMixin", "RegressorMixin", "TransformerMixin"]


# ---------------------------------------------------------------------------------
# Estimator base class and mixins
# ---------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Whether a parameter value equals its default (for ``__repr__``); arrays compare by identity."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


class BaseEstimator:
    """Base class: ``get_params`` / ``set_params`` from the ``__init__`` signature, and a repr.

    Subclasses list every hyper-parameter as an explicit keyword argument of
    ``__init__`` and store it unchanged under the same name (no validation in
    ``__init__``: it happens in ``fit``).
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.kind == p.VAR_POSITIONAL:
                raise RuntimeError(
                    f"{cls.__name__}.__init__ must not take *args: estimators list their "
                    "hyper-parameters explicitly."
                )
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters as a dict; with ``deep``, nested estimators' as ``name__param``."""
        out: dict[str, Any] = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update({f"{key}__{k}": v for k, v in value.get_params().items()})
            out[key] = value
        return out

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set hyper-parameters (``name`` or nested ``name__param``); returns ``self``."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, delim, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {self}. Valid parameters "
                    f"are: {self._get_param_names()!r}."
                )
            if delim:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
            if p.default is not p.empty
        }
        changed = [
            f"{k}={v!r}"
            for k, v in self.get_params(deep=False).items()
            if k not in defaults or not _same(v, defaults[k])
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags (only scikit-learn calls this, so it imports it lazily)."""
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False))


class ClassifierMixin:
    """Mixin for classifiers: ``score`` is the accuracy."""

    _estimator_type = "classifier"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        return tags

    def score(self, X: Any, y: Any) -> float:
        r"""Accuracy $\frac{1}{n}\sum_i [\hat y_i = y_i]$ of ``predict(X)`` against ``y`` (shape (n,))."""
        return float(np.mean(self.predict(X) == column_or_1d(y)))  # type: ignore[attr-defined]


class RegressorMixin:
    """Mixin for regressors: ``score`` is the coefficient of determination $R^2$."""

    _estimator_type = "regressor"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        return tags

    def score(self, X: Any, y: Any) -> float:
        r"""$R^2 = 1 - \sum_i (y_i - \hat y_i)^2 / \sum_i (y_i - \bar y)^2$ (averaged over outputs).

        A constant ``y`` gives 1.0 if predicted exactly, else 0.0 (as scikit-learn).
        """
        y = np.asarray(y, dtype=np.float64)
        y_pred = np.asarray(self.predict(X), dtype=np.float64).reshape(y.shape)  # type: ignore[attr-defined]
        residual = ((y - y_pred) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        r2 = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), 0.0)
        r2 = np.where((total == 0) & (residual == 0), 1.0, r2)
        return float(np.mean(r2))


class TransformerMixin:
    """Mixin for transformers: ``fit_transform`` = ``fit`` then ``transform``."""

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.transformer_tags = TransformerTags()
        return tags

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit to ``X`` (shape (n_samples, n_features)) and return it transformed."""
        if y is None:
            return self.fit(X, **fit_params).transform(X)  # type: ignore[attr-defined]
        return self.fit(X, y, **fit_params).transform(X)  # type: ignore[attr-defined]


class ClusterMixin:
    """Mixin for clusterers: ``fit_predict`` returns ``labels_`` after ``fit``."""

    _estimator_type = "clusterer"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.estimator_type = "clusterer"
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = []
        return tags

    def fit_predict(self, X: Any, y: Any = None, **kwargs: Any) -> np.ndarray:
        """Fit to ``X`` and return the cluster label of each sample, shape (n_samples,)."""
        self.fit(X, **kwargs)  # type: ignore[attr-defined]
        return self.labels_  # type: ignore[attr-defined]
