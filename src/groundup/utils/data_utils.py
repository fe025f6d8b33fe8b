r"""Splitting, batching and feature scaling: what happens to data before a model sees it.

* :func:`train_test_split` and :func:`train_val_test_split` partition the samples at
  random, optionally *stratified*: each class keeps its share of every part to within
  one sample, $|n_{c,p} - n_c\,n_p/n| < 1$ for class $c$ and part $p$.
* :func:`iterate_minibatches` walks through the data in (shuffled) batches.
* :class:`StandardScaler`, :class:`MinMaxScaler` and :class:`OneHotEncoder` learn their
  statistics in ``fit`` on the training data only and apply them with ``transform``
  (scikit-learn's estimator conventions; learned state ends with ``_``).
  :func:`one_hot` is the stateless encoding of integer class labels, as
  ``torch.nn.functional.one_hot``.

Random draws come from a ``np.random.Generator`` (``rng=``; see
:mod:`groundup.utils.seeding`), never from NumPy's global state.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from groundup.utils.estimator import BaseEstimator, TransformerMixin
from groundup.utils.seeding import Seed, make_rng
from groundup.utils.tensor_utils import check_ndim, check_same_length
from groundup.utils.validation import check_is_fitted

__all__ = [
    "MinMaxScaler",
    "OneHotEncoder",
    "StandardScaler",
    "iterate_minibatches",
    "one_hot",
    "train_test_split",
    "train_val_test_split",
]

# Splitting ------------------------------------------------------------------------------


def _n_from_size(size: float | int | None, n: int, name: str, rounding: Any) -> int:
    """A part's size as a count: a fraction of ``n`` (rounded with ``rounding``) or a count."""
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a float in (0, 1) or an int, got {size!r}")
    if isinstance(size, float | np.floating):
        if not 0.0 < size < 1.0:
            raise ValueError(f"{name}={size} should be a float in the (0, 1) range or an int")
        return int(rounding(size * n))
    if not 0 <= size <= n:
        raise ValueError(f"{name}={size} should be between 0 and the number of samples {n}")
    return int(size)


def _allocate(counts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    r"""Split class counts $n_c$ over parts of sizes $n_p$: an integer matrix $k_{c,p}$.

    Rows sum to $n_c$, columns to $n_p$, and every entry is the ideal share rounded
    down or up, $k_{c,p} \in \{\lfloor a_{c,p}\rfloor, \lceil a_{c,p}\rceil\}$ with
    $a_{c,p} = n_c n_p / n$. Such a rounding always exists (the fractional parts form a
    feasible flow with integer margins); the leftover units are handed out by largest
    remainder first and completed with augmenting paths, a small max-flow.

    ``counts`` has shape (C,), ``sizes`` shape (P,), both summing to $n$; returns (C, P).
    """
    n = int(counts.sum())
    # $a_{c,p} = \lfloor n_c n_p / n\rfloor + r_{c,p}/n$, in exact integer arithmetic
    base, rem = np.divmod(np.outer(counts, sizes), n)  # (C, P), (C, P)
    row_need = counts - base.sum(axis=1)  # (C,) units each class still has to place
    col_need = sizes - base.sum(axis=0)  # (P,) units each part still has room for
    extra = np.zeros_like(base)  # (C, P) 0/1: the rounded-up entries
    for flat in np.argsort(-rem, axis=None, kind="stable"):
        c, p = divmod(int(flat), len(sizes))
        if rem[c, p] > 0 and row_need[c] > 0 and col_need[p] > 0:
            extra[c, p], row_need[c], col_need[p] = 1, row_need[c] - 1, col_need[p] - 1
    while row_need.any():
        # Breadth-first search: class -> part it may round up in -> class holding that
        # part's unit (which then moves it elsewhere) -> ... -> a part with room left.
        start = int(np.flatnonzero(row_need)[0])
        parent: dict[tuple[str, int], tuple[str, int] | None] = {("c", start): None}
        queue, end = deque([("c", start)]), None
        while queue and end is None:
            kind, i = queue.popleft()
            if kind == "c":
                for p in np.flatnonzero((rem[i] > 0) & (extra[i] == 0)):
                    if ("p", int(p)) not in parent:
                        parent[("p", int(p))] = (kind, i)
                        if col_need[p] > 0:
                            end = int(p)
                            break
                        queue.append(("p", int(p)))
            else:
                for c in np.flatnonzero(extra[:, i] == 1):
                    if ("c", int(c)) not in parent:
                        parent[("c", int(c))] = (kind, i)
                        queue.append(("c", int(c)))
        # Walk back: round up on each class -> part step, undo on each part -> class step.
        node = ("p", end)
        while (prev := parent[node]) is not None:
            c, p = (prev[1], node[1]) if node[0] == "p" else (node[1], prev[1])
            extra[c, p] = node[0] == "p"
            node = prev
        row_need[start] -= 1
        col_need[end] -= 1
    return base + extra


def _partition(
    n: int, sizes: list[int], stratify: ArrayLike | None, shuffle: bool, rng: Seed
) -> list[np.ndarray]:
    """Indices of ``len(sizes)`` disjoint parts of ``range(n)`` with the given sizes."""
    # BEGIN SOLUTION
    gen = make_rng(rng)
    order = gen.permutation(n) if shuffle else np.arange(n)  # (n,)
    if stratify is None:
        bounds = np.cumsum([0, *sizes])
        return [order[bounds[p] : bounds[p + 1]] for p in range(len(sizes))]
    y = np.asarray(stratify)
    check_ndim("stratify", y, 1)
    _, y_idx, counts = np.unique(y, return_inverse=True, return_counts=True)  # (n,), (C,)
    k = _allocate(counts, np.asarray(sizes))  # (C, P)
    # Group the (shuffled) samples by class, then give the first k[c, 0] of class c to
    # part 0, the next k[c, 1] to part 1, ...
    order = order[np.argsort(y_idx[order], kind="stable")]  # (n,)
    cls = y_idx[order]  # (n,) class of each position
    rank = np.arange(n) - (np.cumsum(counts) - counts)[cls]  # (n,) position within class
    part = (rank[:, None] >= np.cumsum(k, axis=1)[cls]).sum(axis=1)  # (n,)
    out = [order[part == p] for p in range(len(sizes))]
    return [gen.permutation(idx) if shuffle else np.sort(idx) for idx in out]
    # END SOLUTION


def _check_arrays(arrays: tuple[ArrayLike, ...]) -> tuple[list[np.ndarray], int]:
    if not arrays:
        raise ValueError("at least one array is required")
    arrays_ = [np.asarray(a) for a in arrays]
    n = check_same_length(**{f"arrays[{i}]": a for i, a in enumerate(arrays_)})
    return arrays_, n


def train_test_split(
    *arrays: ArrayLike,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    shuffle: bool = True,
    stratify: ArrayLike | None = None,
    rng: Seed = None,
) -> list[np.ndarray]:
    r"""Split arrays (same first dimension) into random train and test parts.

    Sizes follow scikit-learn: a float is a fraction of the $n$ samples
    ($n_\text{test} = \lceil f n\rceil$, $n_\text{train} = \lfloor f n\rfloor$), an int a
    count; the default is ``test_size=0.25`` with the rest for training.

    Parameters
    ----------
    *arrays : array_like, each of shape (n, ...)
    test_size, train_size : float in (0, 1), int or None
    shuffle : bool
        Draw the parts at random (otherwise: in order).
    stratify : array_like of shape (n,) or None
        Class labels whose proportions every part keeps to within one sample per class.
    rng : np.random.Generator, int or None

    Returns
    -------
    list of ndarray
        ``[a_train, a_test, b_train, b_test, ...]``.

    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=2, rng=0)
    >>> X_train.shape, X_test.shape, bool(np.all(X_test[:, 0] == 2 * y_test))
    ((3, 2), (2, 2), True)
    """
    arrays_, n = _check_arrays(arrays)
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = None if test_size is None else _n_from_size(test_size, n, "test_size", math.ceil)
    n_train = None if train_size is None else _n_from_size(train_size, n, "train_size", math.floor)
    n_test = n - n_train if n_test is None else n_test
    n_train = n - n_test if n_train is None else n_train
    if n_train + n_test > n:
        raise ValueError(
            f"train_size={train_size} and test_size={test_size} ask for {n_train} + {n_test} "
            f"samples, more than the {n} there are"
        )
    if n_train == 0:
        raise ValueError(f"with n_samples={n} and test_size={test_size} the train set is empty")
    rest = n - n_train - n_test
    if stratify is not None:
        check_same_length(**{"arrays[0]": arrays_[0], "stratify": stratify})
    train, test, _ = _partition(n, [n_train, n_test, rest], stratify, shuffle, rng)
    return [part for a in arrays_ for part in (a[train], a[test])]


def train_val_test_split(
    *arrays: ArrayLike,
    val_size: float | int,
    test_size: float | int,
    stratify: ArrayLike | None = None,
    shuffle: bool = True,
    rng: Seed = None,
) -> list[np.ndarray]:
    r"""Split arrays into random train, validation and test parts.

    ``val_size`` and ``test_size`` are fractions of all $n$ samples (rounded up) or
    counts; the train part gets the rest and must not be empty.

    Parameters
    ----------
    *arrays : array_like, each of shape (n, ...)
    val_size, test_size : float in (0, 1) or int
    stratify : array_like of shape (n,) or None
        Class labels; with it, class $c$ gets $n_{c,p}$ samples of part $p$ with
        $|n_{c,p} - n_c n_p / n| < 1$, in all three parts at once.
    shuffle : bool
    rng : np.random.Generator, int or None

    Returns
    -------
    list of ndarray
        ``[a_train, a_val, a_test, b_train, b_val, b_test, ...]``.

    >>> y = np.array([0] * 6 + [1] * 4)
    >>> y_tr, y_va, y_te = train_val_test_split(y, val_size=0.2, test_size=0.3, stratify=y, rng=0)
    >>> len(y_tr), len(y_va), len(y_te), int(y_va.sum()) + int(y_te.sum())
    (5, 2, 3, 2)
    """
    arrays_, n = _check_arrays(arrays)
    n_val = _n_from_size(val_size, n, "val_size", math.ceil)
    n_test = _n_from_size(test_size, n, "test_size", math.ceil)
    n_train = n - n_val - n_test
    if n_train <= 0:
        raise ValueError(
            f"val_size={val_size} and test_size={test_size} leave {n_train} of the {n} "
            "samples for training; the train set must not be empty"
        )
    if stratify is not None:
        check_same_length(**{"arrays[0]": arrays_[0], "stratify": stratify})
    parts = _partition(n, [n_train, n_val, n_test], stratify, shuffle, rng)
    return [a[idx] for a in arrays_ for idx in parts]


def iterate_minibatches(
    *arrays: ArrayLike,
    batch_size: int,
    shuffle: bool = True,
    rng: Seed = None,
    drop_last: bool = False,
) -> Iterator[Any]:
    """Yield minibatches of the arrays (the same rows of each), like a ``DataLoader``.

    Parameters
    ----------
    *arrays : array_like, each of shape (n, ...)
    batch_size : int
        Rows per batch; the last batch is smaller unless ``drop_last``.
    shuffle : bool
        Visit the rows in a random order (one permutation per call).
    rng : np.random.Generator, int or None
    drop_last : bool
        Skip the last, incomplete batch.

    Yields
    ------
    ndarray of shape (batch_size, ...) for one array, else a tuple of them.

    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in iterate_minibatches(X, y, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    arrays_, n = _check_arrays(arrays)
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    # BEGIN SOLUTION
    order = make_rng(rng).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        batch = tuple(a[idx] for a in arrays_)
        yield batch[0] if len(batch) == 1 else batch
    # END SOLUTION


# Scaling and encoding (fit on the training data, transform anything) --------------------


def one_hot(labels: ArrayLike, num_classes: int = -1, dtype: DTypeLike = np.int64) -> np.ndarray:
    r"""$e_{y}$: a row of zeros with a one at column $y$, for each integer label $y$.

    As ``torch.nn.functional.one_hot``: ``num_classes=-1`` means ``labels.max() + 1``.

    Parameters
    ----------
    labels : array_like of int, any shape S
        Class indices in ``[0, num_classes)``.
    num_classes : int
    dtype : dtype of the result (int64 like PyTorch; pass ``np.float32`` for targets).

    Returns
    -------
    ndarray of shape S + (num_classes,)

    >>> one_hot([0, 2], num_classes=3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    y = np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    if y.size and y.min() < 0:
        raise ValueError(f"labels must be non-negative class indices, got {int(y.min())}")
    if num_classes == -1:
        num_classes = int(y.max()) + 1 if y.size else 0
    if num_classes < 0 or (y.size and y.max() >= num_classes):
        raise ValueError(
            f"labels: class {int(y.max()) if y.size else 0} is out of range for "
            f"num_classes={num_classes} (labels must be < num_classes)"
        )
    # Row $i$ of the identity is $e_i$.
    # BEGIN SOLUTION
    return np.eye(num_classes, dtype=dtype)[y]  # S + (num_classes,)
    # END SOLUTION


class _Transformer(TransformerMixin, BaseEstimator):
    """The scalers' shared input check, on the estimator base every groundup estimator uses.

    ``get_params``/``set_params``, the repr and ``fit_transform`` come from
    :class:`~groundup.utils.estimator.BaseEstimator` and
    :class:`~groundup.utils.estimator.TransformerMixin`.
    """

    def _check_fitted(self, attribute: str) -> None:
        check_is_fitted(self, attribute)

    def _validate(self, X: ArrayLike, reset: bool) -> np.ndarray:
        """``X`` as a 2-D floating array; in ``fit`` records ``n_features_in_``, later checks it."""
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"X: expected a 2D array of shape (n_samples, n_features), got shape {X.shape}; "
                "reshape a single feature with X.reshape(-1, 1)"
            )
        if X.dtype.kind not in "fiub":
            raise ValueError(f"X: expected numbers, got dtype {X.dtype}")
        X = X if X.dtype.kind == "f" else X.astype(np.float64)
        if reset:
            if X.shape[0] == 0:
                raise ValueError(f"X: found array with 0 samples (shape {X.shape})")
            if not np.all(np.isfinite(X)):
                bad = np.argwhere(~np.isfinite(X))[0].tolist()
                raise ValueError(
                    f"X contains NaN or infinity (first at row, column {bad}); "
                    "fit needs finite values (impute missing values first)"
                )
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (X has shape {X.shape})"
            )
        return X


class StandardScaler(_Transformer):
    r"""Standardize features: $z = (x - \mu) / \sigma$, per feature, as scikit-learn's.

    $\mu$ and $\sigma^2$ are the mean and (biased, $1/n$) variance of each feature in
    the data given to ``fit``, accumulated in float64. A feature whose variance is
    indistinguishable from 0 (below the rounding error of the two-pass algorithm,
    $\sigma^2 \le n\epsilon\sigma^2 + (n\mu\epsilon)^2$) gets $\sigma = 1$, so it is
    centred but not blown up.

    Parameters
    ----------
    with_mean : bool
        Subtract $\mu$.
    with_std : bool
        Divide by $\sigma$.

    Attributes
    ----------
    mean_, var_, scale_ : ndarray of shape (n_features,) (None when not used)
    n_features_in_, n_samples_seen_ : int

    >>> StandardScaler().fit_transform([[0.0, 5.0], [2.0, 5.0]]).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X: ArrayLike, y: Any = None) -> StandardScaler:
        """Learn $\\mu$ and $\\sigma$ from ``X`` of shape (n_samples, n_features)."""
        X = self._validate(X, reset=True)
        n = X.shape[0]
        self.n_samples_seen_ = n
        if not (self.with_mean or self.with_std):
            self.mean_ = self.var_ = self.scale_ = None
            return self
        X64 = X.astype(np.float64, copy=False)
        # $\mu = \frac1n\sum_i x_i$
        mean = X64.sum(axis=0) / n  # (F,)
        d = X64 - mean  # (n, F)
        # $\sigma^2 = \frac1n\left(\sum_i d_i^2 - \frac1n\left(\sum_i d_i\right)^2\right)$,
        # $d = x - \mu$: the second term corrects the rounding error in $\mu$.
        var = ((d**2).sum(axis=0) - d.sum(axis=0) ** 2 / n) / n  # (F,)
        self.mean_ = mean
        self.var_ = var if self.with_std else None
        if self.with_std:
            eps = np.finfo(np.float64).eps
            constant = var <= n * eps * var + (n * mean * eps) ** 2  # (F,)
            self.scale_ = np.where(constant, 1.0, np.sqrt(var))
        else:
            self.scale_ = None
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """$z = (x - \\mu)/\\sigma$; ``X`` of shape (n_samples, n_features), same dtype out."""
        self._check_fitted("n_samples_seen_")
        X = self._validate(X, reset=False)
        out = X.copy()
        if self.with_mean:
            out -= self.mean_.astype(X.dtype, copy=False)
        if self.with_std:
            out /= self.scale_.astype(X.dtype, copy=False)
        return out

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """$x = \\sigma z + \\mu$; ``X`` of shape (n_samples, n_features)."""
        self._check_fitted("n_samples_seen_")
        X = self._validate(X, reset=False)
        out = X.copy()
        if self.with_std:
            out *= self.scale_.astype(X.dtype, copy=False)
        if self.with_mean:
            out += self.mean_.astype(X.dtype, copy=False)
        return out


class MinMaxScaler(_Transformer):
    r"""Scale each feature to ``feature_range`` $= (a, b)$, as scikit-learn's.

    $x' = x \cdot s + m$ with $s = (b - a)/(x_{\max} - x_{\min})$ and
    $m = a - x_{\min} s$, so $x_{\min} \mapsto a$ and $x_{\max} \mapsto b$. A constant
    feature (range below $10\epsilon$) gets $s = b - a$ and is mapped to $a$.

    Parameters
    ----------
    feature_range : tuple (a, b) with a < b
    clip : bool
        Clip transformed values of unseen data to $[a, b]$.

    Attributes
    ----------
    data_min_, data_max_, data_range_, scale_, min_ : ndarray of shape (n_features,)
    n_features_in_, n_samples_seen_ : int

    >>> MinMaxScaler().fit_transform([[1.0], [3.0], [2.0]]).ravel().tolist()
    [0.0, 1.0, 0.5]
    """

    def __init__(self, feature_range: tuple[float, float] = (0, 1), clip: bool = False) -> None:
        self.feature_range = feature_range
        self.clip = clip

    def fit(self, X: ArrayLike, y: Any = None) -> MinMaxScaler:
        """Learn $x_{\\min}$, $x_{\\max}$ from ``X`` of shape (n_samples, n_features)."""
        a, b = self.feature_range
        if not a < b:
            raise ValueError(
                f"feature_range: the minimum must be smaller than the maximum, got {self.feature_range}"
            )
        X = self._validate(X, reset=True)
        self.n_samples_seen_ = X.shape[0]
        self.data_min_ = X.min(axis=0)  # (F,)
        self.data_max_ = X.max(axis=0)  # (F,)
        self.data_range_ = self.data_max_ - self.data_min_  # (F,)
        constant = self.data_range_ < 10 * np.finfo(self.data_range_.dtype).eps
        # $s = (b - a) / (x_{\max} - x_{\min})$, $m = a - x_{\min} s$
        self.scale_ = (b - a) / np.where(constant, 1, self.data_range_)  # (F,)
        self.min_ = a - self.data_min_ * self.scale_  # (F,)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """$x' = x s + m$ for ``X`` of shape (n_samples, n_features)."""
        self._check_fitted("scale_")
        X = self._validate(X, reset=False)
        out = X * self.scale_.astype(X.dtype, copy=False) + self.min_.astype(X.dtype, copy=False)
        return np.clip(out, *self.feature_range) if self.clip else out

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """$x = (x' - m)/s$ for ``X`` of shape (n_samples, n_features)."""
        self._check_fitted("scale_")
        X = self._validate(X, reset=False)
        return (X - self.min_.astype(X.dtype, copy=False)) / self.scale_.astype(X.dtype, copy=False)


class OneHotEncoder(_Transformer):
    """Encode one column of labels as one-hot rows; ``inverse_transform`` takes the argmax.

    The categories are the sorted unique labels seen in ``fit`` (``classes_``); a label
    not seen there is a ``ValueError`` at ``transform``. Equal to scikit-learn's
    ``OneHotEncoder(sparse_output=False)`` on ``y.reshape(-1, 1)``.

    Parameters
    ----------
    dtype : dtype of the encoded array

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)

    >>> enc = OneHotEncoder().fit(["b", "a", "b"])
    >>> enc.transform(["a", "b"]).tolist(), enc.inverse_transform([[0.1, 0.9]]).tolist()
    ([[1.0, 0.0], [0.0, 1.0]], ['b'])
    """

    def __init__(self, dtype: DTypeLike = np.float64) -> None:
        self.dtype = dtype

    @staticmethod
    def _labels(y: ArrayLike) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y: expected labels of shape (n,) or (n, 1), got shape {y.shape}")
        return y

    def fit(self, X: ArrayLike, y: Any = None) -> OneHotEncoder:
        """Learn the categories from labels ``X`` of shape (n,) or (n, 1)."""
        labels = self._labels(X)
        if labels.size == 0:
            raise ValueError("y: cannot fit on 0 labels")
        self.classes_ = np.unique(labels)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """One-hot rows of shape (n, n_classes) for labels ``X`` of shape (n,) or (n, 1)."""
        self._check_fitted("classes_")
        labels = self._labels(X)
        idx = np.searchsorted(self.classes_, labels)  # (n,)
        idx_ok = np.minimum(idx, len(self.classes_) - 1)
        unknown = self.classes_[idx_ok] != labels
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not seen in fit: {np.unique(labels[unknown]).tolist()} "
                f"(known: {self.classes_.tolist()})"
            )
        return one_hot(idx_ok, num_classes=len(self.classes_), dtype=self.dtype)

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """The label of the largest entry of each row of ``X``, shape (n, n_classes) -> (n,)."""
        self._check_fitted("classes_")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(self.classes_):
            raise ValueError(
                f"X: expected shape (n, {len(self.classes_)}) (one column per class), got {X.shape}"
            )
        return self.classes_[np.argmax(X, axis=1)]
