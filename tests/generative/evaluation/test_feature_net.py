"""The feature network: trained here, cached atomically, loaded back identically, accurate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from groundup.generative.evaluation import feature_net
from groundup.generative.evaluation.feature_net import (
    FeatureLeNet,
    as_unit_images,
    feature_network,
    feature_network_path,
)


def test_images_in_every_accepted_form_give_one_array() -> None:
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    unit = u8.astype(np.float32) / 255
    for x in (u8, unit, unit[:, None], unit.reshape(3, 784)):
        np.testing.assert_array_equal(as_unit_images(x), unit[:, None])


def test_tanh_range_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match=r"images must be intensities in \[0, 1\].*\(x \+ 1\) / 2"):
        as_unit_images(np.full((2, 28, 28), -1.0))
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28\)"):
        as_unit_images(np.zeros((2, 27, 27)))


def test_shift_moves_each_image_by_at_most_two_pixels() -> None:
    x = np.zeros((50, 1, 28, 28), dtype=np.float32)
    x[:, 0, 14, 14] = 1.0
    out = feature_net._shift(x, np.random.default_rng(0), 2)
    assert out.shape == x.shape and (out.sum(axis=(1, 2, 3)) == 1).all()
    rows, cols = np.nonzero(out[:, 0])[1:]
    assert set(rows) == set(range(12, 17)) and set(cols) == set(range(12, 17))


def test_trained_on_first_use_cached_and_loaded_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROUNDUP_DATA", str(tmp_path))
    monkeypatch.setattr(feature_net, "EPOCHS", 1)
    monkeypatch.setattr(feature_net, "_LOADED", {})
    path = feature_network_path()
    assert path.parent.parent == tmp_path and not path.exists()
    net, info = feature_network()
    assert path.exists() and info["epochs"] == 1
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left

    digits = np.random.default_rng(1).random((7, 28, 28), dtype=np.float32)
    before = net.features(digits)

    def fail(**kwargs: object) -> None:
        raise AssertionError("the cached network was trained again")

    monkeypatch.setattr(feature_net, "train_feature_network", fail)
    monkeypatch.setattr(feature_net, "_LOADED", {})
    loaded, info2 = feature_network()
    assert loaded is not net and info2 == info
    np.testing.assert_array_equal(loaded.features(digits), before)


def test_features_are_the_fc2_activations_of_the_logits_path() -> None:
    from groundup import Tensor

    net = FeatureLeNet(generator=np.random.default_rng(0))
    x = np.random.default_rng(1).random((4, 28, 28), dtype=np.float32)
    acts = net.activations(x)
    feats, logits = acts["fc2"], acts["logits"]
    assert feats.shape == (4, 84) and (feats >= 0).all() and acts["fc1"].shape == (4, 120)
    assert (acts["fc1"] < 0).any()  # before the ReLU
    full = net(Tensor((x[:, None] - feature_net.MEAN) / feature_net.STD)).data
    np.testing.assert_allclose(logits, full, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.fc3(Tensor(feats)).data, full, rtol=1e-5, atol=1e-6)


def test_the_cached_network_classifies_the_test_digits() -> None:
    from groundup import data

    net, info = feature_network()
    X, y = data.load("mnist-5k")["test"]
    accuracy = float((net.predict(X) == y).mean())
    assert accuracy == pytest.approx(info["test_accuracy"])
    assert accuracy >= 0.97
