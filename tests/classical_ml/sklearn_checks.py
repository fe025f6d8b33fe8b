"""scikit-learn's estimator checks, as the classical-ML (part A) tests run them.

``sklearn_checks(estimators)`` is ``parametrize_with_checks`` without the collection-time
"does not inherit from sklearn.base.BaseEstimator" warning (by design: the base is ours).
Test functions using it set ``SCIPY_ARRAY_API=1`` (``monkeypatch``) so that
scikit-learn's NumPy array-API check runs instead of skipping itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from sklearn.utils.estimator_checks import parametrize_with_checks


def sklearn_checks(
    estimators: list[Any], expected_failed_checks: Callable[[Any], dict[str, str]] | None = None
) -> Any:
    """``pytest.mark.parametrize`` over every (estimator, check) pair scikit-learn yields."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Estimator .* does not inherit")
        return parametrize_with_checks(
            estimators, expected_failed_checks=expected_failed_checks, xfail_strict=True
        )
