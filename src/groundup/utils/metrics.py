r"""Evaluation metrics, equal to ``sklearn.metrics`` (same names, arguments and edge cases).

Classification (labels of any sortable type, 1-D arrays of length $n$): accuracy,
precision, recall, $F_\beta$ and the confusion matrix, which all the others read from.
For class $k$, with $C$ the confusion matrix (rows: true class, columns: predicted),

$$\mathrm{TP}_k = C_{kk},\quad \mathrm{pred}_k = \sum_i C_{ik},\quad
\mathrm{true}_k = \sum_j C_{kj},\quad P_k = \frac{\mathrm{TP}_k}{\mathrm{pred}_k},\quad
R_k = \frac{\mathrm{TP}_k}{\mathrm{true}_k}.$$

Probabilistic: log loss and ROC-AUC. Regression (shape $(n,)$ or $(n, m)$ outputs):
MSE, RMSE, MAE, $R^2$. Language models: perplexity and bits per character, from
per-token negative log-likelihoods in nats.

Everything is vectorised NumPy: no Python loop over samples.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from groundup.utils.tensor_utils import check_same_length

__all__ = [
    "accuracy_score",
    "bits_per_character",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "log_loss",
    "mean_absolute_error",
    "mean_squared_error",
    "perplexity",
    "precision_recall_fscore_support",
    "precision_score",
    "r2_score",
    "recall_score",
    "roc_auc_score",
    "root_mean_squared_error",
]

Average = Literal["binary", "micro", "macro", "weighted"] | None
MultiOutput = Literal["uniform_average", "raw_values"]


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


def _labels_1d(y_true: ArrayLike, y_pred: ArrayLike, pred_name: str = "y_pred") -> tuple:
    """Both label arrays as 1-D arrays of the same, non-zero length."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, y in (("y_true", y_true), (pred_name, y_pred)):
        if y.ndim != 1:
            raise ValueError(f"{name}: expected a 1-D array of labels, got shape {y.shape}")
    n = check_same_length(**{"y_true": y_true, pred_name: y_pred})
    if n == 0:
        raise ValueError("y_true and y_pred are empty: a metric needs at least one sample")
    return y_true, y_pred


def accuracy_score(y_true: ArrayLike, y_pred: ArrayLike, *, normalize: bool = True) -> float:
    r"""Fraction of correct predictions, $\frac1n\sum_i [\hat y_i = y_i]$ (the count if not ``normalize``).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n,)

    >>> accuracy_score([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    """
    y_true, y_pred = _labels_1d(y_true, y_pred)
    # BEGIN SOLUTION
    correct = y_true == y_pred  # (n,)
    return float(correct.mean() if normalize else correct.sum())
    # END SOLUTION


def confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    normalize: Literal["true", "pred", "all"] | None = None,
) -> np.ndarray:
    r"""$C_{ij}$ = number of samples of true class ``labels[i]`` predicted as ``labels[j]``.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n,)
    labels : array_like of shape (L,) or None
        The classes and their order (default: the sorted union of both arrays). Samples
        whose true or predicted label is not listed are left out.
    normalize : {"true", "pred", "all"} or None
        Divide by the row sums, the column sums or the total.

    Returns
    -------
    ndarray of shape (L, L): int64, or float64 when normalized.

    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2]).tolist()
    [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    """
    y_true, y_pred = _labels_1d(y_true, y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError(f"labels: expected a non-empty 1-D array, got shape {labels.shape}")
        if not np.isin(y_true, labels).any():
            raise ValueError("labels: at least one label specified must be in y_true")
    L = len(labels)
    # Position of each label in ``labels`` by binary search in its sorted copy.
    sorter = np.argsort(labels, kind="stable")
    sorted_labels = labels[sorter]

    def index(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.minimum(np.searchsorted(sorted_labels, y), L - 1)  # (n,)
        return sorter[pos], sorted_labels[pos] == y

    # BEGIN SOLUTION
    i, known_true = index(y_true)
    j, known_pred = index(y_pred)
    keep = known_true & known_pred
    # Count each (true, predicted) pair: a histogram of the flat index $iL + j$.
    C = np.bincount(i[keep] * L + j[keep], minlength=L * L).reshape(L, L)  # (L, L)
    if normalize is None:
        return C
    if normalize not in ("true", "pred", "all"):
        raise ValueError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    axis = {"true": 1, "pred": 0, "all": None}[normalize]
    total = C.sum(axis=axis, keepdims=axis is not None)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(C / total)  # an empty row or column gives 0, as in sklearn
    # END SOLUTION


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    """``num / den`` with ``zero_division`` where ``den == 0`` (sklearn's ill-defined scores)."""
    out = np.full(np.shape(num), float(zero_division))
    np.divide(num, den, out=out, where=den != 0)
    return out


def precision_recall_fscore_support(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    beta: float = 1.0,
    average: Average = None,
    pos_label: object = 1,
    zero_division: float = 0.0,
) -> tuple:
    r"""Precision, recall, $F_\beta$ and support, per class or averaged.

    $F_\beta = \frac{(1+\beta^2)\,\mathrm{TP}}{\beta^2\,\mathrm{true} + \mathrm{pred}}$
    (the weighted harmonic mean of $P$ and $R$). A ratio with a zero denominator is
    ``zero_division`` (0.0 as scikit-learn's default, 1.0 or nan).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n,)
    beta : float
    average : {"binary", "micro", "macro", "weighted"} or None
        ``"binary"``: the scores of class ``pos_label`` (at most two classes);
        ``"micro"``: from the counts summed over classes; ``"macro"``: the mean of the
        per-class scores; ``"weighted"``: their mean weighted by $\mathrm{true}_k$;
        ``None``: the per-class scores, with the support $\mathrm{true}_k$.
    pos_label : label
        The positive class for ``average="binary"``.
    zero_division : float

    Returns
    -------
    precision, recall, fscore : float, or ndarray of shape (L,) when ``average`` is None
    support : ndarray of shape (L,) when ``average`` is None, else None

    >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1], [0, 1, 0])
    >>> p.tolist(), r.tolist(), s.tolist()
    ([0.5, 1.0], [1.0, 0.5], [1, 2])
    """
    if average not in (None, "binary", "micro", "macro", "weighted"):
        raise ValueError(
            f"average must be 'binary', 'micro', 'macro', 'weighted' or None, got {average!r}"
        )
    if zero_division not in (0.0, 1.0) and not np.isnan(zero_division):
        raise ValueError(f"zero_division must be 0.0, 1.0 or np.nan, got {zero_division!r}")
    y_true, y_pred = _labels_1d(y_true, y_pred)
    present = np.unique(np.concatenate([y_true, y_pred]))
    C = confusion_matrix(y_true, y_pred, labels=present)  # (L, L)
    tp, pred_sum, true_sum = np.diag(C), C.sum(axis=0), C.sum(axis=1)  # (L,) each
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs at most two classes, but y_true and y_pred hold "
                f"{len(present)}: {present.tolist()}; choose average='micro', 'macro' or 'weighted'"
            )
        hit = present == pos_label
        if not hit.any() and len(present) == 2:
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label: it should be one of {present.tolist()}"
            )
        # The positive class only (all counts 0 if it never occurs).
        tp, pred_sum, true_sum = (np.array([v[hit].sum()]) for v in (tp, pred_sum, true_sum))
    if average == "micro":
        tp, pred_sum, true_sum = (np.array([v.sum()]) for v in (tp, pred_sum, true_sum))
    # BEGIN SOLUTION
    precision = _divide(tp, pred_sum, zero_division)  # $P_k = TP_k / pred_k$
    recall = _divide(tp, true_sum, zero_division)  # $R_k = TP_k / true_k$
    beta2 = beta**2
    # $F_\beta = (1+\beta^2) TP / (\beta^2 \cdot true + pred)$
    f = _divide((1 + beta2) * tp, beta2 * true_sum + pred_sum, zero_division)
    if average is None:
        return precision, recall, f, true_sum
    weights = true_sum if average == "weighted" and true_sum.any() else None
    return tuple(_nanaverage(v, weights) for v in (precision, recall, f)) + (None,)
    # END SOLUTION


def _nanaverage(v: np.ndarray, weights: np.ndarray | None) -> float:
    """The (weighted) mean over the entries that are not nan (nan if none are)."""
    ok = ~np.isnan(v)
    if not ok.any():
        return float("nan")
    return float(np.average(v[ok], weights=None if weights is None else weights[ok]))


def precision_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    average: Average = "binary",
    pos_label: object = 1,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    r"""Precision $P = \mathrm{TP}/(\mathrm{TP} + \mathrm{FP})$; see :func:`precision_recall_fscore_support`.

    >>> precision_score([0, 1, 1, 1], [1, 1, 1, 0])
    0.6666666666666666
    """
    return precision_recall_fscore_support(
        y_true, y_pred, average=average, pos_label=pos_label, zero_division=zero_division
    )[0]


def recall_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    average: Average = "binary",
    pos_label: object = 1,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    r"""Recall $R = \mathrm{TP}/(\mathrm{TP} + \mathrm{FN})$; see :func:`precision_recall_fscore_support`.

    >>> recall_score([0, 1, 1, 1], [1, 1, 1, 0])
    0.6666666666666666
    """
    return precision_recall_fscore_support(
        y_true, y_pred, average=average, pos_label=pos_label, zero_division=zero_division
    )[1]


def fbeta_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    beta: float,
    average: Average = "binary",
    pos_label: object = 1,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    r"""$F_\beta = (1+\beta^2)PR/(\beta^2 P + R)$; see :func:`precision_recall_fscore_support`.

    >>> fbeta_score([0, 1, 1, 1], [1, 1, 1, 0], beta=2.0)
    0.6666666666666666
    """
    return precision_recall_fscore_support(
        y_true,
        y_pred,
        beta=beta,
        average=average,
        pos_label=pos_label,
        zero_division=zero_division,
    )[2]


def f1_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    average: Average = "binary",
    pos_label: object = 1,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    r"""$F_1 = 2PR/(P + R) = 2\mathrm{TP}/(2\mathrm{TP} + \mathrm{FP} + \mathrm{FN})$.

    >>> f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="macro")
    0.6
    """
    return fbeta_score(
        y_true,
        y_pred,
        beta=1.0,
        average=average,
        pos_label=pos_label,
        zero_division=zero_division,
    )


# --------------------------------------------------------------------------------------
# Probabilistic classification
# --------------------------------------------------------------------------------------


def log_loss(
    y_true: ArrayLike,
    y_proba: ArrayLike,
    *,
    normalize: bool = True,
    labels: ArrayLike | None = None,
) -> float:
    r"""Cross-entropy $-\frac1n\sum_i \sum_k [y_i = k] \log p_{ik}$ (the sum if not ``normalize``).

    Probabilities are clipped to $[\epsilon, 1-\epsilon]$ with $\epsilon$ the machine
    epsilon of their dtype, so a confident mistake costs $-\log\epsilon$, not $\infty$.

    Parameters
    ----------
    y_true : array_like of shape (n,)
        Labels; the classes are ``labels`` or the sorted unique values of ``y_true``.
    y_proba : array_like of shape (n, K), or (n,) for $P(\text{larger class})$ when K = 2
        Column $k$ is the probability of the $k$-th class in sorted order; rows should
        sum to one (a warning otherwise, as in scikit-learn).
    labels : array_like of shape (K,) or None

    >>> round(log_loss([0, 1, 1], [0.1, 0.8, 0.6]), 6)
    0.279777
    """
    y_true = np.asarray(y_true)
    p = np.asarray(y_proba)
    p = p if p.dtype.kind == "f" else p.astype(np.float64)
    if y_true.ndim != 1:
        raise ValueError(f"y_true: expected a 1-D array of labels, got shape {y_true.shape}")
    if p.ndim not in (1, 2):
        raise ValueError(f"y_proba: expected shape (n,) or (n, n_classes), got {p.shape}")
    n = check_same_length(y_true=y_true, y_proba=p)
    if n == 0:
        raise ValueError("y_true and y_proba are empty")
    if p.max() > 1 or p.min() < 0:
        raise ValueError(
            f"y_proba must hold probabilities in [0, 1], got values in [{p.min()}, {p.max()}]"
        )
    classes = np.unique(y_true) if labels is None else np.unique(np.asarray(labels))
    if len(classes) == 1:
        raise ValueError(
            f"y_true contains only one label ({classes.tolist()[0]!r}); pass all the expected labels "
            "through the labels argument"
        )
    if p.ndim == 1 or p.shape[1] == 1:
        p = p.reshape(n, 1)
        p = np.concatenate([1 - p, p], axis=1)  # (n, 2): $[1 - p, p]$
    if p.shape[1] != len(classes):
        raise ValueError(
            f"y_proba has {p.shape[1]} columns but there are {len(classes)} classes "
            f"{classes.tolist()}; pass the labels argument if y_true lacks some classes"
        )
    if not np.allclose(p.sum(axis=1), 1, rtol=np.sqrt(np.finfo(p.dtype).eps), atol=0):
        warnings.warn(
            "The y_proba values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    k = np.searchsorted(classes, y_true)  # (n,) column of each true class
    if np.any(classes[np.minimum(k, len(classes) - 1)] != y_true):
        raise ValueError(f"y_true contains labels not in labels={classes.tolist()}")
    # BEGIN SOLUTION
    eps = np.finfo(p.dtype).eps
    # $-\log p_{i, y_i}$ with $p$ clipped to $[\epsilon, 1-\epsilon]$
    nll = -np.log(np.clip(p[np.arange(n), k], eps, 1 - eps))  # (n,)
    return float(nll.mean() if normalize else nll.sum())
    # END SOLUTION


def roc_auc_score(y_true: ArrayLike, y_score: ArrayLike) -> float:
    r"""Area under the ROC curve of a binary problem, by the Mann-Whitney formula.

    The AUC is the probability that a random positive is scored above a random
    negative, ties counting one half. With $r_i$ the rank of $s_i$ among all $n$ scores
    (tied scores get their average rank),

    $$\mathrm{AUC} = \frac{\sum_{i \in +} r_i - n_+(n_+ + 1)/2}{n_+ n_-},$$

    which equals the trapezoidal area under the ROC curve.

    Parameters
    ----------
    y_true : array_like of shape (n,)
        Two classes; the larger label is the positive one.
    y_score : array_like of shape (n,), or (n, 2) (column 1 is used)
        Scores, larger meaning more likely positive.

    Returns
    -------
    float (nan with a warning when ``y_true`` holds a single class, as in sklearn)

    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y_true, s = np.asarray(y_true), np.asarray(y_score, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 2:
        s = s[:, 1]
    y_true, s = _labels_1d(y_true, s, pred_name="y_score")
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score contains NaN or infinity")
    classes = np.unique(y_true)
    if len(classes) > 2:
        raise ValueError(
            f"roc_auc_score is for binary y_true; got {len(classes)} classes {classes.tolist()}"
        )
    if len(classes) < 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UserWarning,
            stacklevel=2,
        )
        return float("nan")
    # BEGIN SOLUTION
    positive = y_true == classes[1]  # (n,)
    n_pos = int(positive.sum())
    n_neg = len(s) - n_pos
    # Average ranks: a group of $m$ tied scores ending at rank $e$ gets $e - (m - 1)/2$.
    _, group, count = np.unique(s, return_inverse=True, return_counts=True)
    end = np.cumsum(count)  # (G,) 1-based rank of each group's last member
    r = (end - (count - 1) / 2)[group]  # (n,)
    U = r[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(U / (n_pos * n_neg))
    # END SOLUTION


# --------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------


def _targets(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Both targets as float arrays of shape (n, m), checked to match."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim not in (1, 2):
            raise ValueError(f"{name}: expected shape (n,) or (n, n_outputs), got {y.shape}")
    check_same_length(y_true=y_true, y_pred=y_pred)
    y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different numbers of outputs: {y_true.shape[1]} and "
            f"{y_pred.shape[1]}"
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty: a metric needs at least one sample")
    return y_true, y_pred


def _average_outputs(per_output: np.ndarray, multioutput: str) -> float | np.ndarray:
    if multioutput == "raw_values":
        return per_output
    if multioutput == "uniform_average":
        return float(per_output.mean())
    raise ValueError(f"multioutput must be 'uniform_average' or 'raw_values', got {multioutput!r}")


def mean_squared_error(
    y_true: ArrayLike, y_pred: ArrayLike, *, multioutput: MultiOutput = "uniform_average"
) -> float | np.ndarray:
    r"""$\mathrm{MSE} = \frac1n\sum_i (y_i - \hat y_i)^2$, per output then averaged.

    >>> mean_squared_error([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    1.3333333333333333
    """
    y, y_hat = _targets(y_true, y_pred)  # (n, m)
    # BEGIN SOLUTION
    return _average_outputs(np.mean((y - y_hat) ** 2, axis=0), multioutput)
    # END SOLUTION


def root_mean_squared_error(
    y_true: ArrayLike, y_pred: ArrayLike, *, multioutput: MultiOutput = "uniform_average"
) -> float | np.ndarray:
    r"""$\mathrm{RMSE} = \sqrt{\mathrm{MSE}}$, per output then averaged.

    >>> root_mean_squared_error([0.0, 0.0], [3.0, 4.0])
    3.5355339059327378
    """
    y, y_hat = _targets(y_true, y_pred)  # (n, m)
    # BEGIN SOLUTION
    return _average_outputs(np.sqrt(np.mean((y - y_hat) ** 2, axis=0)), multioutput)
    # END SOLUTION


def mean_absolute_error(
    y_true: ArrayLike, y_pred: ArrayLike, *, multioutput: MultiOutput = "uniform_average"
) -> float | np.ndarray:
    r"""$\mathrm{MAE} = \frac1n\sum_i |y_i - \hat y_i|$, per output then averaged.

    >>> mean_absolute_error([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])
    1.0
    """
    y, y_hat = _targets(y_true, y_pred)  # (n, m)
    # BEGIN SOLUTION
    return _average_outputs(np.mean(np.abs(y - y_hat), axis=0), multioutput)
    # END SOLUTION


def r2_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    multioutput: Literal["uniform_average", "raw_values", "variance_weighted"] = "uniform_average",
) -> float | np.ndarray:
    r"""Coefficient of determination $R^2 = 1 - \sum_i (y_i - \hat y_i)^2 / \sum_i (y_i - \bar y)^2$.

    As scikit-learn: a constant ``y_true`` gives 1.0 for a perfect prediction and 0.0
    otherwise (instead of $\pm\infty$ or nan); fewer than two samples give nan with a
    warning. ``"variance_weighted"`` weights the outputs by $\sum_i (y_i - \bar y)^2$.

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    """
    y, y_hat = _targets(y_true, y_pred)  # (n, m)
    if len(y) < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.", UserWarning, stacklevel=2
        )
        return float("nan")
    # BEGIN SOLUTION
    ss_res = np.sum((y - y_hat) ** 2, axis=0)  # (m,) $\sum_i (y_i - \hat y_i)^2$
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)  # (m,) $\sum_i (y_i - \bar y)^2$
    # $1 - SS_{res}/SS_{tot}$; where $SS_{tot} = 0$: 1 if $SS_{res} = 0$ else 0
    r2 = np.where(ss_res == 0, 1.0, 0.0)  # (m,)
    np.subtract(1.0, ss_res / np.where(ss_tot == 0, 1, ss_tot), out=r2, where=ss_tot != 0)
    if multioutput == "variance_weighted":
        return float(np.average(r2, weights=ss_tot)) if ss_tot.any() else float(r2.mean())
    return _average_outputs(r2, multioutput)
    # END SOLUTION


# --------------------------------------------------------------------------------------
# Language models
# --------------------------------------------------------------------------------------


def _mean_nll(nll: ArrayLike) -> float:
    nll = np.asarray(nll, dtype=np.float64)
    if nll.size == 0:
        raise ValueError("nll is empty: pass the negative log-likelihood of at least one token")
    if np.any(nll < 0):
        raise ValueError(f"nll must be >= 0 (a negative log-probability), got min {nll.min()}")
    return float(nll.mean())


def perplexity(nll: ArrayLike) -> float:
    r"""Perplexity $\exp\left(\frac1T\sum_t -\log p(x_t \mid x_{<t})\right)$.

    Parameters
    ----------
    nll : array_like of any shape
        Per-token negative log-likelihoods in nats (or a single mean value).

    >>> perplexity([math.log(4.0)] * 3)  # as uncertain as a fair 4-way choice
    4.0
    """
    # BEGIN SOLUTION
    return math.exp(_mean_nll(nll))
    # END SOLUTION


def bits_per_character(nll: ArrayLike) -> float:
    r"""Bits per character $\frac{1}{T\ln 2}\sum_t -\log p(x_t \mid x_{<t})$ (nats to bits).

    Parameters
    ----------
    nll : array_like of any shape
        Per-character negative log-likelihoods in nats.

    >>> bits_per_character([math.log(2.0), math.log(8.0)])
    2.0
    """
    return _mean_nll(nll) / math.log(2.0)
