"""Classical machine learning as scikit-learn-style estimators (curriculum Phase 4).

``base`` holds the estimator conventions and input validation every model here uses;
the models live where the curriculum puts them: ``regression/``, ``classification/``,
``ensemble/``, ``clustering/``, ``reduction/``. Each subpackage's public classes are
re-exported here, so ``from groundup.classical_ml import Ridge`` works.
"""

from __future__ import annotations

import importlib
import importlib.util

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    RegressorMixin,
    TransformerMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_scalar,
    check_X_y,
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
    "validate_data",
]

for _name in ("regression", "classification", "ensemble", "clustering", "reduction"):
    # subpackages are written by different people at different times: re-export those present
    if importlib.util.find_spec(f"{__name__}.{_name}") is None:
        continue
    _module = importlib.import_module(f"{__name__}.{_name}")
    for _public in getattr(_module, "__all__", []):
        globals()[_public] = getattr(_module, _public)
        __all__.append(_public)
