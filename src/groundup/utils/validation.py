r"""Input validation for estimators, raising scikit-learn's exception classes.

Every estimator validates its input like scikit-learn does, with messages that name
the argument and the shapes involved:

==============================  ==================================================
bad input                       exception
==============================  ==================================================
1-D ``X``                       ``ValueError("Expected 2D array, got 1D array ...")``
NaN / inf in ``X`` or ``y``     ``ValueError("Input X contains NaN.")``
0 samples / 0 features          ``ValueError("Found array with 0 sample(s) ...")``
complex data                    ``ValueError("Complex data not supported ...")``
sparse matrix                   ``TypeError("Sparse data was passed for X ...")``
wrong number of features        ``ValueError("X has 3 features, but Ridge is expecting 4 ...")``
continuous ``y`` to classifier  ``ValueError("Unknown label type: continuous ...")``
predict before fit              :class:`NotFittedError` (a ValueError and AttributeError)
==============================  ==================================================

An estimator calls :func:`validate_data` (in ``fit`` with ``reset=True``, elsewhere with
``reset=False``), :func:`check_is_fitted` and :func:`check_classification_targets`.
This module is on the ground floor (``groundup.utils``) so that the scalers of
:mod:`groundup.utils.data_utils` and the models of :mod:`groundup.classical_ml` share it;
``groundup.classical_ml.validation`` and ``groundup.classical_ml.base`` re-export all of
it. scikit-learn is never imported here.
"""

from __future__ import annotations

import sys
import warnings
from functools import cache
from typing import Any

import numpy as np

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


# ---------------------------------------------------------------------------------
# Exceptions and warnings
# ---------------------------------------------------------------------------------


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator is called before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError``, as scikit-learn's does,
    so ``hasattr(est, "coef_")``-style code and ``except ValueError`` both see it.
    """


class ConvergenceWarning(UserWarning):
    """Warns that an iterative solver stopped at ``max_iter`` before meeting ``tol``."""


class DataConversionWarning(UserWarning):
    """Warns that the input was converted, e.g. a column-vector ``y`` raveled to 1-D."""


@cache
def _interop_not_fitted_error(sklearn_error: type) -> type:
    # A NotFittedError that is *also* scikit-learn's, so `except
    # sklearn.exceptions.NotFittedError` catches ours when both libraries are in use.
    def __reduce__(self: BaseException) -> tuple[type, tuple]:
        return NotFittedError, self.args  # pickles as groundup's own class

    return type(
        "NotFittedError",
        (NotFittedError, sklearn_error),
        {"__module__": __name__, "__reduce__": __reduce__},
    )


def _not_fitted_error_class() -> type:
    """:class:`NotFittedError`; when scikit-learn is already loaded, one that is also its class."""
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return _interop_not_fitted_error(sklearn_exceptions.NotFittedError)


# ---------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------


def _is_sparse(X: Any) -> bool:
    return type(X).__module__.startswith("scipy.sparse")


def _estimator_suffix(estimator: Any) -> str:
    if estimator is None:
        return ""
    name = estimator if isinstance(estimator, str) else type(estimator).__name__
    return f" by {name}"


def _assert_all_finite(X: np.ndarray, input_name: str, allow_nan: bool = False) -> None:
    """Raise ``ValueError`` if ``X`` (float) holds NaN (unless allowed) or ±inf."""
    if X.dtype.kind not in "fc" or X.size == 0:
        return
    # one reduction is cheaper than two masks on the (common) all-finite path
    if np.isfinite(X.sum()) and np.isfinite(X).all():
        return
    has_nan = np.isnan(X).any()
    if has_nan and not allow_nan:
        raise ValueError(f"Input {input_name} contains NaN.")
    if np.isinf(X).any():
        raise ValueError(
            f"Input {input_name} contains infinity or a value too large for {X.dtype!r}."
        )


def check_array(
    array: Any,
    *,
    dtype: Any = "numeric",
    ensure_2d: bool = True,
    allow_nd: bool = False,
    ensure_all_finite: bool | str = True,
    ensure_min_samples: int = 1,
    ensure_min_features: int = 1,
    copy: bool = False,
    input_name: str = "X",
    estimator: Any = None,
) -> np.ndarray:
    """Convert ``array`` to a validated ``np.ndarray``, raising scikit-learn's exceptions.

    Parameters
    ----------
    array : array-like
        Typically ``X`` of shape ``(n_samples, n_features)``.
    dtype : "numeric", dtype, list of dtypes or None
        ``"numeric"``: keep numeric dtypes, convert object arrays to float64.
        A dtype: convert to it. A list: keep the dtype if it is in the list, else
        convert to the first. ``None``: keep whatever ``np.asarray`` gives.
    ensure_2d : bool
        Require a 2-D array (a 1-D one raises ``ValueError`` saying how to reshape).
    allow_nd : bool
        Allow more than two dimensions.
    ensure_all_finite : bool or "allow-nan"
        Reject NaN and ±inf (``"allow-nan"`` rejects only ±inf).
    ensure_min_samples, ensure_min_features : int
        Minimum number of rows / columns (0 disables the check).
    copy : bool
        Return a copy even when no conversion was needed.
    input_name : str
        The argument's name in error messages (``"X"``, ``"y"``).
    estimator : estimator or str, optional
        Named in error messages.

    Returns
    -------
    ndarray
        The validated array (shape unchanged).
    """
    if _is_sparse(array):
        raise TypeError(
            f"Sparse data was passed for {input_name}, but dense data is required. "
            "Use '.toarray()' to convert to a dense numpy array."
        )
    if array is None:
        raise ValueError(
            f"Expected array-like (array or non-string sequence), got None for {input_name}."
        )
    original = array
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            array = np.asarray(array)
        except np.exceptions.ComplexWarning as e:  # pragma: no cover - defensive
            raise ValueError(f"Complex data not supported\n{original}\n") from e
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{array}\n")

    if isinstance(dtype, str) and dtype == "numeric":
        if array.dtype.kind in "USV":
            raise ValueError(
                f"dtype='numeric' is not compatible with arrays of bytes/strings; "
                f"convert {input_name} to a numeric dtype first."
            )
        if array.dtype.kind in "Ob":
            # raises TypeError("float() argument must be a string or a real number, ...")
            array = array.astype(np.float64)
    elif isinstance(dtype, list | tuple):
        if array.dtype not in [np.dtype(d) for d in dtype]:
            array = array.astype(dtype[0])
    elif dtype is not None:
        array = array.astype(dtype, copy=False)
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{array}\n")

    if ensure_2d:
        if array.ndim == 0:
            raise ValueError(
                f"Expected 2D array, got scalar array instead:\narray={array}.\n"
                "Reshape your data either using array.reshape(-1, 1) if your data has "
                "a single feature or array.reshape(1, -1) if it contains a single sample."
            )
        if array.ndim == 1:
            raise ValueError(
                f"Expected 2D array, got 1D array instead:\narray={array}.\n"
                "Reshape your data either using array.reshape(-1, 1) if your data has "
                "a single feature or array.reshape(1, -1) if it contains a single sample."
            )
    if not allow_nd and array.ndim >= 3:
        raise ValueError(
            f"Found array with dim {array.ndim}{_estimator_suffix(estimator)}. "
            f"Expected <= 2 for {input_name}."
        )
    if ensure_all_finite:
        _assert_all_finite(array, input_name, allow_nan=ensure_all_finite == "allow-nan")

    shape = array.shape
    if ensure_min_samples > 0 and array.ndim >= 1 and shape[0] < ensure_min_samples:
        raise ValueError(
            f"Found array with {shape[0]} sample(s) (shape={shape}) while a minimum of "
            f"{ensure_min_samples} is required{_estimator_suffix(estimator)}."
        )
    if ensure_min_features > 0 and array.ndim == 2 and shape[1] < ensure_min_features:
        raise ValueError(
            f"Found array with {shape[1]} feature(s) (shape={shape}) while a minimum of "
            f"{ensure_min_features} is required{_estimator_suffix(estimator)}."
        )
    if copy and np.may_share_memory(array, original):
        array = array.copy()
    return array


def column_or_1d(y: Any, *, dtype: Any = None, warn: bool = False) -> np.ndarray:
    """Ravel ``y`` of shape ``(n,)`` or ``(n, 1)`` to ``(n,)``; anything else is a ``ValueError``.

    With ``warn=True`` a column vector emits a :class:`DataConversionWarning`.
    """
    y = np.asarray(y, dtype=dtype)
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        if warn:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples, ), for example using ravel().",
                DataConversionWarning,
                stacklevel=3,
            )
        return y[:, 0]
    raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")


def check_X_y(
    X: Any,
    y: Any,
    *,
    dtype: Any = "numeric",
    y_numeric: bool = False,
    multi_output: bool = False,
    ensure_min_samples: int = 1,
    ensure_all_finite: bool | str = True,
    estimator: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` (as :func:`check_array`) and ``y`` together.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) (or (n_samples, n_outputs) if ``multi_output``)
    y_numeric : bool
        Convert ``y`` to float64 and reject NaN/inf in it (regressors).
    multi_output : bool
        Allow a 2-D ``y``; otherwise a column vector is raveled with a warning.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    """
    if y is None:
        name = "estimator" if estimator is None else type(estimator).__name__
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")
    X = check_array(
        X,
        dtype=dtype,
        ensure_all_finite=ensure_all_finite,
        ensure_min_samples=ensure_min_samples,
        estimator=estimator,
    )
    if _is_sparse(y):
        raise TypeError("Sparse data was passed for y, but dense data is required.")
    if multi_output:
        y = check_array(y, dtype=None, ensure_2d=False, ensure_min_samples=0, input_name="y")
    else:
        y = column_or_1d(y, warn=True)
    if y.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{y}\n")
    if y_numeric:
        if y.dtype.kind == "O":
            y = y.astype(np.float64)
        if y.dtype.kind not in "fiub":
            raise ValueError(f"y must be numeric for {type(estimator).__name__}, got {y.dtype}.")
        _assert_all_finite(y, "y")
    elif y.dtype.kind == "f":
        _assert_all_finite(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {y.shape[0]}] (X has shape {X.shape}, y has shape {y.shape})."
        )
    return X, y


def validate_data(
    estimator: Any,
    X: Any = "no_validation",
    y: Any = "no_validation",
    *,
    reset: bool = True,
    **check_params: Any,
) -> Any:
    """Validate ``X`` (and ``y``) and set or check ``estimator.n_features_in_``.

    In ``fit`` call it with ``reset=True`` (records ``n_features_in_``); in ``predict``,
    ``transform`` etc. with ``reset=False`` (a different feature count is a
    ``ValueError`` naming both counts). ``check_params`` go to :func:`check_array`
    (only ``X`` given) or :func:`check_X_y` (``X`` and ``y`` given).

    Returns
    -------
    X, or (X, y) when ``y`` is given.
    """
    no_y = isinstance(y, str) and y == "no_validation"
    if no_y:
        out = X = check_array(X, estimator=estimator, **check_params)
    else:
        X, y = check_X_y(X, y, estimator=estimator, **check_params)
        out = (X, y)
    n_features = X.shape[1] if X.ndim == 2 else 1
    if reset:
        estimator.n_features_in_ = n_features
    elif hasattr(estimator, "n_features_in_") and n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    return out


def check_scalar(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...],
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> Any:
    """Validate a scalar hyper-parameter: ``TypeError`` for a wrong type, ``ValueError`` out of range.

    ``include_boundaries`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``.
    ``bool`` is never accepted as a number. Returns ``x``.

    >>> check_scalar(3, "n_neighbors", int, min_val=1)
    3
    """
    types = target_type if isinstance(target_type, tuple) else (target_type,)
    if (isinstance(x, bool) and bool not in types) or not isinstance(x, types):
        raise TypeError(
            f"{name} must be an instance of {target_type}, not {type(x).__name__} ({x!r})."
        )
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    if min_val is not None and (x < min_val or (not left and x == min_val)):
        op = ">=" if left else ">"
        raise ValueError(f"{name} == {x!r}, must be {op} {min_val}.")
    if max_val is not None and (x > max_val or (not right and x == max_val)):
        op = "<=" if right else "<"
        raise ValueError(f"{name} == {x!r}, must be {op} {max_val}.")
    return x


def check_is_fitted(estimator: Any, attributes: str | list[str] | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Fitted means: the named ``attributes`` exist; else ``__sklearn_is_fitted__()`` if the
    estimator defines it; else some attribute ends with ``_`` (learned state) and does
    not start with ``__``.
    """
    if isinstance(estimator, type) or not hasattr(estimator, "fit"):
        raise TypeError(f"{estimator!r} is not an estimator instance.")
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = bool(estimator.__sklearn_is_fitted__())
    else:
        fitted = any(v.endswith("_") and not v.startswith("__") for v in vars(estimator))
    if not fitted:
        raise _not_fitted_error_class()(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def type_of_target(y: Any) -> str:
    """The kind of target ``y`` is, as scikit-learn names it.

    One of ``"binary"`` (at most two distinct values), ``"multiclass"``,
    ``"continuous"`` (floats that are not all integers), ``"multilabel-indicator"``
    (a 2-D 0/1 matrix), ``"multiclass-multioutput"``, ``"continuous-multioutput"`` or
    ``"unknown"`` (e.g. an object array of non-strings, a 3-D array).
    """
    y = np.asarray(y)
    if y.ndim > 2 or (y.dtype == object and y.size and not isinstance(y.flat[0], str)):
        return "unknown"
    if y.ndim == 2 and y.shape[1] == 0:
        return "unknown"
    if y.ndim == 0:
        return "unknown"
    if y.ndim == 2 and y.shape[1] > 1:
        if y.dtype.kind in "biuf" and np.isin(y, [0, 1]).all() and y.size:
            return "multilabel-indicator"
        suffix = "-multioutput"
    else:
        suffix = ""
    if y.dtype.kind == "f" and y.size:
        _assert_all_finite(y, "y")
        if np.any(y != y.astype(np.int64)):
            return "continuous" + suffix
    if np.unique(y).size > 2 or suffix:
        return "multiclass" + suffix
    return "binary"


def check_classification_targets(y: Any) -> None:
    """Raise ``ValueError("Unknown label type: ...")`` unless ``y`` holds class labels."""
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass", "multiclass-multioutput", "multilabel-indicator"):
        raise ValueError(
            f"Unknown label type: {kind}. Maybe you are trying to fit a classifier, which "
            "expects discrete classes on a regression target with continuous values."
        )
