"""Input validation for the classical estimators: :mod:`groundup.utils.validation`, re-exported.

The functions live on the ground floor (``groundup.utils``) because the scalers of
:mod:`groundup.utils.data_utils` use them too; this path keeps working.
"""

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
    "ConvergenceWarning",
    "DataConversionWarning",
    "NotFittedError",
    "check_X_y",
    "check_array",
    "check_classification_targets",
    "check_is_fitted",
    "check_scalar",
    "column_or_1d",
    "type_of_target",
    "validate_data",
]
