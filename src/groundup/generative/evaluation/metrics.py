r"""Sample metrics against real digits, each beside its control: the real-vs-real floor.

:func:`evaluate_samples` reports, for a batch of generated MNIST digits,

* the Fréchet distance (FD) between their features and the features of the 1,000 test
  digits (the *reference set*: neither the feature network nor the generative models
  saw them), in **reference units**: both feature sets are multiplied by one number
  $s = \sqrt{D / \operatorname{Tr}\Sigma_{\text{ref}}}$, so that the reference features
  have variance 1 per dimension on average (:func:`feature_scale`);
* improved precision and recall against the same reference (k = 3), on the network's
  ``fc1`` layer (see :mod:`.feature_net` for why not ``fc2``);
* the entropy of the predicted-class histogram, $H = -\sum_c p_c \ln p_c$ in nats
  (at most $\ln 10 = 2.303$; a generator that collapsed onto a few digits scores low);
* for a conditional model, the class accuracy: how often the classifier sees the
  requested digit;
* the **floor**: the same metrics for N *real* training digits against the same reference,
  N = the number of samples. FD of a finite sample is biased upwards (a noisy covariance),
  so a generator's FD means something only beside the floor at its own N.

Why the units. FD is a squared distance, so it carries the square of whatever scale the
feature network's activations happen to have: the raw ``fc2`` features of this LeNet have
total variance $\operatorname{Tr}\Sigma_{\text{ref}} \approx 854$ over $D = 84$
dimensions, and on them a VAE's blurry but recognisable digits score 210-260. The
milestones' FD targets (≤ 15-30) were set on features where the same VAE scored 24 (the
research notes' MLP features; Lucic et al. 2018 report FID 23.8 for a VAE on MNIST with
Inception's). Dividing by the reference spread removes the arbitrary scale and nothing
else: one number multiplies every feature, so FD(x, x) = 0, the invariance under a common
rotation and every ratio between two FDs (to the floor, between models) are unchanged.
Measured in these units (1,000 images against the test digits): real training digits 0.36
(the floor), real digits plus N(0, σ²) noise 0.48 / 0.94 / 4.9 / 15.4 for σ = 0.05 / 0.1 /
0.2 / 0.3, blurred with a Gaussian of σ = 0.5 / 1 / 1.5 pixels 1.6 / 15.7 / 42, binarised
1.2, a VAE's samples 20-26, only zeros and ones 75, uniform noise 104, one digit a
thousand times 137.

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
    "feature_scale",
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


@functools.cache
def feature_scale() -> float:
    r"""$s = \sqrt{D / \operatorname{Tr}\Sigma_{\text{ref}}}$: what puts FD in reference units.

    ``s * fc2`` of the 1,000 test digits has covariance trace $D = 84$ (variance 1 per
    dimension on average); FD in these units is the raw FD times $s^2$ (about 0.098).
    """
    ref = _activations("test")["fc2"].astype(np.float64)  # (1000, D)
    # $\operatorname{Tr}\Sigma = \sum_d \operatorname{Var}(x_d)$ (unbiased, as gaussian_stats)
    total_variance = float(ref.var(axis=0, ddof=1).sum())
    return float(np.sqrt(ref.shape[1] / total_variance))


def reference_features() -> np.ndarray:
    """FD features of the 1,000 mnist-5k test digits in reference units, ``(1000, 84)``.

    ``fc2`` times :func:`feature_scale`: the reference set, with covariance trace 84.
    """
    return _activations("test")["fc2"] * np.float32(feature_scale())


def _metrics(acts: dict[str, np.ndarray], k: int) -> dict[str, float]:
    ref = _activations("test")
    precision, recall = precision_recall(ref["fc1"], acts["fc1"], k=k)
    s = np.float32(feature_scale())
    return {
        "fd": frechet_distance(acts["fc2"] * s, reference_features()),
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
        ``fd`` (in reference units: :func:`feature_scale`), ``precision, recall, class_entropy`` (and ``class_accuracy``), then the same
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
