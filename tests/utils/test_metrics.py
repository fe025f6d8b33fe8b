"""Metrics against sklearn.metrics on hypothesis-drawn inputs (rtol 1e-10), edge cases, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup.utils import metrics as gm
from groundup.utils.math_utils import log_softmax

RTOL = 1e-10


def close(a, e) -> None:
    np.testing.assert_allclose(a, e, rtol=RTOL, atol=1e-12)


@st.composite
def label_pairs(draw: st.DrawFn, max_classes: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """y_true, y_pred with labels drawn from a few classes (so some classes may be missing)."""
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, max_classes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y_true = rng.integers(0, k, n)
    # mostly-right predictions, so scores are spread over (0, 1)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k + 1, n))
    return y_true, y_pred


# ---------------------------------------------------------------------------- classification


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@given(label_pairs())
def test_accuracy_and_confusion_matrix_match_sklearn(pair) -> None:
    y_true, y_pred = pair
    close(gm.accuracy_score(y_true, y_pred), skm.accuracy_score(y_true, y_pred))
    assert gm.accuracy_score(y_true, y_pred, normalize=False) == skm.accuracy_score(
        y_true, y_pred, normalize=False
    )
    np.testing.assert_array_equal(
        gm.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    labels = [3, 0, 1]  # a subset, in a chosen order; other samples are left out
    if np.isin(y_true, labels).any():
        np.testing.assert_array_equal(
            gm.confusion_matrix(y_true, y_pred, labels=labels),
            skm.confusion_matrix(y_true, y_pred, labels=labels),
        )
    for normalize in ("true", "pred", "all"):
        close(
            gm.confusion_matrix(y_true, y_pred, normalize=normalize),
            skm.confusion_matrix(y_true, y_pred, normalize=normalize),
        )


@given(label_pairs(), st.sampled_from([None, "micro", "macro", "weighted"]))
def test_precision_recall_f1_multiclass_match_sklearn(pair, average) -> None:
    y_true, y_pred = pair
    kw = {"average": average, "zero_division": 0.0}
    close(gm.precision_score(y_true, y_pred, **kw), skm.precision_score(y_true, y_pred, **kw))
    close(gm.recall_score(y_true, y_pred, **kw), skm.recall_score(y_true, y_pred, **kw))
    close(gm.f1_score(y_true, y_pred, **kw), skm.f1_score(y_true, y_pred, **kw))
    close(
        gm.fbeta_score(y_true, y_pred, beta=0.5, **kw),
        skm.fbeta_score(y_true, y_pred, beta=0.5, **kw),
    )
    ours = gm.precision_recall_fscore_support(y_true, y_pred, beta=2.0, **kw)
    ref = skm.precision_recall_fscore_support(y_true, y_pred, beta=2.0, **kw)
    for a, e in zip(ours, ref):
        assert (a is None) == (e is None)
        if a is not None:
            close(a, e)


@given(label_pairs(max_classes=2), st.sampled_from([0, 1]), st.sampled_from([0.0, 1.0]))
def test_binary_scores_with_pos_label_and_zero_division_match_sklearn(pair, pos_label, zd) -> None:
    y_true, y_pred = pair
    y_pred = np.minimum(y_pred, 1)  # keep it binary
    kw = {"pos_label": pos_label, "zero_division": zd}
    for ours, ref in (
        (gm.precision_score, skm.precision_score),
        (gm.recall_score, skm.recall_score),
        (gm.f1_score, skm.f1_score),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = ref(y_true, y_pred, **kw)
        close(ours(y_true, y_pred, **kw), expected)


def test_zero_division_cases_match_sklearn() -> None:
    y_true, y_pred = np.array([0, 0, 1, 2]), np.array([0, 0, 0, 0])  # 1 and 2 never predicted
    for zd in (0.0, 1.0, np.nan):
        for average in (None, "macro", "weighted", "micro"):
            kw = {"average": average, "zero_division": zd}
            close(
                gm.precision_score(y_true, y_pred, **kw), skm.precision_score(y_true, y_pred, **kw)
            )
            close(gm.f1_score(y_true, y_pred, **kw), skm.f1_score(y_true, y_pred, **kw))
    # no positive anywhere: every binary score is ill-defined
    close(gm.f1_score([0, 0], [0, 0]), skm.f1_score([0, 0], [0, 0], zero_division=0.0))
    assert gm.recall_score([0, 0], [0, 0], zero_division=1.0) == 1.0


def test_string_labels() -> None:
    y_true = np.array(["cat", "dog", "dog", "emu"])
    y_pred = np.array(["cat", "cat", "dog", "emu"])
    np.testing.assert_array_equal(
        gm.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    close(
        gm.f1_score(y_true, y_pred, average="macro"), skm.f1_score(y_true, y_pred, average="macro")
    )
    close(
        gm.precision_score(y_true[1:3], y_pred[1:3], pos_label="dog"),
        skm.precision_score(y_true[1:3], y_pred[1:3], pos_label="dog"),
    )


def test_classification_errors_are_clear() -> None:
    with pytest.raises(
        ValueError, match=r"y_true and y_pred must have the same length.*\(3,\).*\(2,\)"
    ):
        gm.accuracy_score([0, 1, 1], [0, 1])
    with pytest.raises(
        ValueError, match=r"y_pred: expected a 1-D array of labels, got shape \(2, 2\)"
    ):
        gm.f1_score([0, 1], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"average='binary' needs at most two classes.*3"):
        gm.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(
        ValueError, match=r"pos_label=2 is not a valid label: it should be one of \[0, 1\]"
    ):
        gm.precision_score([0, 1], [1, 0], pos_label=2)
    with pytest.raises(ValueError, match="average must be"):
        gm.f1_score([0, 1], [0, 1], average="samples")
    with pytest.raises(ValueError, match="at least one sample"):
        gm.accuracy_score([], [])
    with pytest.raises(ValueError, match="labels: at least one label specified must be in y_true"):
        gm.confusion_matrix([0, 1], [0, 1], labels=[5])


# ---------------------------------------------------------------------------- probabilistic


@st.composite
def probabilities(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(2, 5))
    n = draw(st.integers(k, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)  # every class present
    logits = 3 * rng.standard_normal((n, k))
    logits[rng.random((n, k)) < 0.1] = 60.0  # some rows saturate to exactly 0 and 1
    p = np.exp(log_softmax(logits, axis=1))
    return y, p


@given(probabilities())
def test_log_loss_matches_sklearn(data) -> None:
    y, p = data
    close(gm.log_loss(y, p), skm.log_loss(y, p))
    close(gm.log_loss(y, p, normalize=False), skm.log_loss(y, p, normalize=False))
    # binary with 1-D probabilities of the larger class
    yb = (y > 0).astype(int)
    pb = 1 - p[:, 0]
    close(gm.log_loss(yb, pb), skm.log_loss(yb, pb))
    close(gm.log_loss(yb, pb.astype(np.float32)), skm.log_loss(yb, pb.astype(np.float32)))


def test_log_loss_clips_like_sklearn_and_takes_labels() -> None:
    y, p = np.array([0, 1]), np.array([[1.0, 0.0], [1.0, 0.0]])  # a confident mistake
    close(gm.log_loss(y, p), skm.log_loss(y, p))
    assert gm.log_loss(y, p) == pytest.approx(-np.log(np.finfo(np.float64).eps) / 2)
    close(
        gm.log_loss([2, 2], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], labels=[0, 1, 2]),
        skm.log_loss([2, 2], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], labels=[0, 1, 2]),
    )


def test_log_loss_errors_and_warning() -> None:
    with pytest.raises(ValueError, match=r"y_true contains only one label \(1\).*labels argument"):
        gm.log_loss([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match=r"y_proba has 3 columns but there are 2 classes \[0, 1\]"):
        gm.log_loss([0, 1], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(ValueError, match=r"y_proba must hold probabilities in \[0, 1\]"):
        gm.log_loss([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match=r"y_true and y_proba must have the same length"):
        gm.log_loss([0, 1, 1], [0.5, 0.5])
    with pytest.warns(UserWarning, match="do not sum to one"):
        gm.log_loss([0, 1], [[0.5, 0.6], [0.5, 0.5]])


@given(st.integers(2, 60), st.sampled_from([3, 10, 1000]), st.integers(0, 2**32 - 1))
def test_roc_auc_matches_sklearn_with_ties(n, levels, seed) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    # few score levels => many ties; scores correlated with the label
    s = np.round((y + rng.standard_normal(n)) * levels / 4) / levels
    close(gm.roc_auc_score(y, s), skm.roc_auc_score(y, s))
    close(gm.roc_auc_score(y * 5 + 2, s), skm.roc_auc_score(y * 5 + 2, s))  # labels 2 and 7
    s2 = np.stack([1 - s, s], axis=1)
    close(gm.roc_auc_score(y, s2), skm.roc_auc_score(y, s))


def test_roc_auc_edge_cases() -> None:
    assert gm.roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5  # all tied
    assert gm.roc_auc_score([0, 0, 1], [0.1, 0.2, 0.9]) == 1.0
    with pytest.warns(UserWarning, match="Only one class is present"):
        assert math.isnan(gm.roc_auc_score([1, 1], [0.1, 0.2]))
    with pytest.raises(ValueError, match=r"binary y_true; got 3 classes \[0, 1, 2\]"):
        gm.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="y_score contains NaN"):
        gm.roc_auc_score([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match=r"y_true and y_score must have the same length"):
        gm.roc_auc_score([0, 1], [0.1, 0.2, 0.3])


# ---------------------------------------------------------------------------- regression


@st.composite
def regression_targets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 40))
    outputs = draw(st.sampled_from([None, 1, 3]))
    shape = (n,) if outputs is None else (n, outputs)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.standard_normal(shape) * 10
    if draw(st.booleans()) and outputs:
        y[:, 0] = 4.0  # a constant output: R^2's special case
    y_hat = y + rng.standard_normal(shape) * draw(st.sampled_from([0.0, 0.1, 5.0]))
    return y, y_hat


@given(regression_targets(), st.sampled_from(["uniform_average", "raw_values"]))
def test_regression_metrics_match_sklearn(data, multioutput) -> None:
    y, y_hat = data
    for ours, ref in (
        (gm.mean_squared_error, skm.mean_squared_error),
        (gm.root_mean_squared_error, skm.root_mean_squared_error),
        (gm.mean_absolute_error, skm.mean_absolute_error),
        (gm.r2_score, skm.r2_score),
    ):
        close(ours(y, y_hat, multioutput=multioutput), ref(y, y_hat, multioutput=multioutput))
    close(
        gm.r2_score(y, y_hat, multioutput="variance_weighted"),
        skm.r2_score(y, y_hat, multioutput="variance_weighted"),
    )


def test_r2_constant_targets_and_short_input() -> None:
    assert gm.r2_score([3.0, 3.0], [3.0, 3.0]) == skm.r2_score([3.0, 3.0], [3.0, 3.0]) == 1.0
    assert gm.r2_score([3.0, 3.0], [3.0, 2.0]) == skm.r2_score([3.0, 3.0], [3.0, 2.0]) == 0.0
    with pytest.warns(UserWarning, match="less than two samples"):
        assert math.isnan(gm.r2_score([1.0], [2.0]))


def test_regression_errors_are_clear() -> None:
    with pytest.raises(
        ValueError, match=r"y_true and y_pred must have the same length.*\(3,\).*\(2,\)"
    ):
        gm.mean_squared_error([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="different numbers of outputs: 2 and 3"):
        gm.r2_score(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="multioutput must be"):
        gm.mean_absolute_error([1.0, 2.0], [1.0, 2.0], multioutput="bogus")


# ---------------------------------------------------------------------------- language models


@given(st.integers(1, 30), st.integers(2, 20), st.integers(0, 2**32 - 1))
def test_perplexity_and_bpc_match_torch_cross_entropy(T, V, seed) -> None:
    rng = np.random.default_rng(seed)
    logits = 2 * rng.standard_normal((T, V))
    targets = rng.integers(0, V, T)
    nll = -log_softmax(logits, axis=1)[np.arange(T), targets]  # (T,) nats
    ce = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets))
    close(gm.perplexity(nll), torch.exp(ce).item())
    close(gm.bits_per_character(nll), ce.item() / math.log(2))


def test_language_model_metric_limits_and_errors() -> None:
    assert gm.perplexity(np.full(5, np.log(65.0))) == pytest.approx(65.0, rel=1e-14)
    assert gm.bits_per_character(np.full((2, 3), np.log(256.0))) == pytest.approx(8.0, rel=1e-14)
    with pytest.raises(ValueError, match="nll is empty"):
        gm.perplexity([])
    with pytest.raises(ValueError, match="nll must be >= 0"):
        gm.bits_per_character([0.5, -0.1])
