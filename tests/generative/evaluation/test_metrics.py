"""evaluate_samples on real digits (the floor), on noise, and on a collapsed "generator"."""

from __future__ import annotations

import math

import numpy as np
import pytest

from groundup.generative.evaluation import (
    class_accuracy,
    class_entropy,
    evaluate_samples,
    real_floor,
)


def _digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    from groundup import data

    return data.load("mnist-5k")[split]


def test_entropy_by_hand() -> None:
    assert class_entropy(np.arange(10).repeat(3)) == pytest.approx(math.log(10))
    assert class_entropy(np.zeros(5, dtype=int)) == 0.0
    # p = (3/4, 1/4): -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.5623
    assert class_entropy(np.array([2, 2, 2, 7])) == pytest.approx(0.5623351446)
    with pytest.raises(ValueError, match="predicted and requested"):
        class_accuracy(np.zeros(3), np.zeros(4))


def test_the_reference_set_against_itself_is_perfect() -> None:
    X, y = _digits("test")
    m = evaluate_samples(X, labels=y)
    assert m["fd"] == pytest.approx(0.0, abs=1e-6)
    assert m["precision"] == m["recall"] == 1.0
    assert m["class_accuracy"] >= 0.97 and m["class_entropy"] > 2.29


def test_real_training_digits_are_the_floor() -> None:
    X, y = _digits("train")
    m = evaluate_samples(X[:1000], labels=y[:1000])
    assert m["fd"] == m["floor_fd"] == real_floor(1000)["fd"]
    assert m["precision"] == m["floor_precision"] and m["recall"] == m["floor_recall"]
    assert 0 < m["fd"] < 5 and m["precision"] > 0.6 and m["recall"] > 0.6
    assert m["class_accuracy"] > 0.97


def test_noise_and_collapse_are_far_from_the_floor() -> None:
    X, _ = _digits("train")
    noise = np.random.default_rng(0).random((1000, 28, 28), dtype=np.float32)
    m = evaluate_samples(noise)
    assert m["fd"] > 20 * m["floor_fd"] and m["precision"] < 0.05
    # one digit a thousand times: real-looking (precision 1), covers nothing (recall ~0)
    one = np.repeat(X[:1], 1000, axis=0)
    c = evaluate_samples(one)
    assert c["precision"] == 1.0 and c["recall"] < 0.05 and c["class_entropy"] == 0.0
    assert c["fd"] > 10 * c["floor_fd"]


def test_the_floor_uses_the_same_sample_size() -> None:
    X, _ = _digits("train")
    small = evaluate_samples(X[:200])
    assert small["n"] == 200 and small["floor_fd"] == real_floor(200)["fd"]
    # fewer samples: a noisier covariance and a higher floor
    assert real_floor(200)["fd"] > real_floor(1000)["fd"]


def test_fd_is_in_reference_units() -> None:
    """FD is the raw fc2 distance times s^2, where s gives the reference features trace D."""
    from groundup.generative.evaluation import feature_network, frechet_distance
    from groundup.generative.evaluation.metrics import feature_scale, reference_features

    ref = reference_features().astype(np.float64)  # (1000, 84)
    assert np.cov(ref, rowvar=False).trace() == pytest.approx(ref.shape[1], rel=1e-5)
    X, _ = _digits("train")
    Xt, _ = _digits("test")
    net = feature_network()[0]
    raw = frechet_distance(net.features(X[:1000]), net.features(Xt))
    s2 = feature_scale() ** 2
    assert 0.05 < s2 < 0.2  # the raw fc2 features are about 3x the reference units
    assert evaluate_samples(X[:1000])["fd"] == pytest.approx(raw * s2, rel=1e-4)


def test_fd_grows_with_noise_and_blur() -> None:
    """In reference units: a little noise stays near the floor, blur and heavy noise do not."""
    from scipy.ndimage import gaussian_filter

    X, _ = _digits("train")
    x = X[:1000].astype(np.float32) / 255.0
    rng = np.random.default_rng(0)
    floor = real_floor(1000)["fd"]

    def fd(images: np.ndarray) -> float:
        return evaluate_samples(np.clip(images, 0, 1))["fd"]

    noisy = [fd(x + rng.normal(0, s, x.shape).astype(np.float32)) for s in (0.1, 0.2, 0.3)]
    blurred = [fd(np.stack([gaussian_filter(im, s) for im in x])) for s in (0.5, 1.0)]
    assert floor < 0.5 and floor < noisy[0] < 2 < noisy[1] < noisy[2]
    assert noisy[2] > 10 and floor < blurred[0] < 3 and blurred[1] > 10
