r"""Sample metrics against real digits, each beside its control: the real-vs-real floor.

:func:`evaluate_samples` reports, for a batch of generated MNIST digits,

* the Fréchet distance (FD) between their features and the features of the 1,000 test
  digits (the *reference set*: neither the feature network nor the generative models
  saw them);
* improved precision and recall against the same reference (k = 3), on the network's
  ``fc1`` layer (see :mod:`.feature_net` for why not ``fc2``);
* the entropy of the predicted-class histogram, $H = -\sum_c p_c \ln p_c$ in nats
  (at most $\ln 10 = 2.303$; a generator that collapsed onto a few digits scores low);
* for a conditional model, the class accuracy: how often the classifier sees the
  requested digit;
* the **floor**: the same metrics for N *real* training digits against the same reference,
  N = the number of samples. FD of a finite sample is biased upwards (a noisy covariance),
  so a generator's FD means something only beside the floor at its own N.

>>> import numpy as np
>>> round(class_entropy(np.array([0, 1, 2, 3])), 4)  # four classes, equally often: ln 4
1.3863
>>> class_accuracy(np.array([1, 2, 3, 3]), np.array([1, 2, 3, 4]))
0.75
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from groundup.generative.evaluation.feature_net import as_unit_images, feature_network
from groundup.generative.evaluation.frechet import frechet_distance
from groundup.generative.evaluation.precision_recall import precision_recall

__all__ = [
    "class_accuracy",
    "class_entropy",
    "evaluate_samples",
    "real_floor",
    "reference_features",
]

NUM_CLASSES = 10


def class_entropy(predicted: np.ndarray, num_classes: int = NUM_CLASSES) -> float:
    r"""$H = -\sum_c p_c \ln p_c$ of the histogram of predicted classes, in nats.

    Parameters
    ----------
    predicted : int ndarray of shape (N,)
        Predicted class of each sample, in ``0..num_classes-1``.
    """
    predicted = np.asarray(predicted)
    if predicted.ndim != 1 or predicted.size == 0:
        raise ValueError(
            f"predicted must be a non-empty vector of classes, got shape {predicted.shape}"
        )
    p = np.bincount(predicted, minlength=num_classes) / predicted.size  # (C,)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0: no "-0.0" for one class


def class_accuracy(predicted: np.ndarray, requested: np.ndarray) -> float:
    """The share of samples whose predicted class is the requested one.

    Parameters
    ----------
    predicted, requested : int ndarrays of shape (N,)
    """
    predicted, requested = np.asarray(predicted), np.asarray(requested)
    if predicted.shape != requested.shape or predicted.ndim != 1:
        raise ValueError(
            f"predicted and requested must be vectors of one length, got {predicted.shape} and {requested.shape}"
        )
    return float((predicted == requested).mean())


@functools.cache
def _activations(split: str) -> dict[str, np.ndarray]:
    """The feature network's layers on a split of mnist-5k (cached per process)."""
    from groundup import data

    X, _ = data.load("mnist-5k")[split]
    return feature_network()[0].activations(X)


def reference_features() -> np.ndarray:
    """FD features (``fc2``) of the 1,000 mnist-5k test digits, ``(1000, 84)``: the reference set."""
    return _activations("test")["fc2"]


def _metrics(acts: dict[str, np.ndarray], k: int) -> dict[str, float]:
    ref = _activations("test")
    precision, recall = precision_recall(ref["fc1"], acts["fc1"], k=k)
    return {
        "fd": frechet_distance(acts["fc2"], ref["fc2"]),
        "precision": precision,
        "recall": recall,
        "class_entropy": class_entropy(acts["logits"].argmax(axis=1)),
    }


@functools.cache
def real_floor(n: int, k: int = 3) -> dict[str, float]:
    """The metrics of the first ``n`` real training digits (n <= 4,000) against the reference set."""
    train = _activations("train")
    if not 2 <= n <= len(train["fc2"]):
        raise ValueError(f"n must be in [2, {len(train['fc2'])}] (the training digits), got {n}")
    return _metrics({key: value[:n] for key, value in train.items()}, k)


def evaluate_samples(images: Any, labels: Any = None, k: int = 3) -> dict[str, Any]:
    """FD, precision, recall and class entropy of generated digits, with the real floor.

    Parameters
    ----------
    images : array of shape (N, 28, 28), (N, 1, 28, 28) or (N, 784)
        Generated digits, uint8 or intensities in [0, 1]. N >= 1,000 for a stable FD.
    labels : int array of shape (N,), optional
        The class each sample was asked to be (conditional models): adds ``class_accuracy``.
    k : int
        Neighbour of the precision/recall manifolds.

    Returns
    -------
    dict
        ``fd, precision, recall, class_entropy`` (and ``class_accuracy``), then the same
        for N real training digits as ``floor_fd, floor_precision, floor_recall,
        floor_class_entropy``, and ``n`` (the floor uses min(N, 4000) digits).
    """
    x = as_unit_images(images)
    if len(x) <= k:
        raise ValueError(f"images: need more than k={k} samples, got {len(x)}")
    acts = feature_network()[0].activations(x)
    out: dict[str, Any] = {"n": len(x), **_metrics(acts, k)}
    if labels is not None:
        out["class_accuracy"] = class_accuracy(acts["logits"].argmax(axis=1), np.asarray(labels))
    n_floor = min(len(x), len(_activations("train")["fc2"]))
    out |= {f"floor_{key}": value for key, value in real_floor(n_floor, k).items()}
    return out
