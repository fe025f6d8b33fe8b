"""The Phase 2-3 milestones: quick runs end to end, and their building blocks checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from groundup.milestones.optimizers_compare import filter_normalized_direction
from groundup.milestones.runner import run_milestone
from groundup.milestones.training import random_shift


def test_random_shift_moves_each_image_by_its_own_offset():
    rng = np.random.default_rng(0)
    images = rng.integers(1, 255, size=(16, 28, 28)).astype(np.uint8)
    shifted = random_shift(images, np.random.default_rng(1), max_shift=2)
    # Redo the draw and shift image by image with a plain loop: the reference.
    draw = np.random.default_rng(1)
    dy, dx = draw.integers(0, 5, size=16), draw.integers(0, 5, size=16)
    for i in range(16):
        padded = np.pad(images[i], 2)
        np.testing.assert_array_equal(shifted[i], padded[dy[i] : dy[i] + 28, dx[i] : dx[i] + 28])
    assert len({(a, b) for a, b in zip(dy, dx)}) > 1  # not one shift for the whole batch


def test_random_shift_on_flat_batches_keeps_the_layout():
    x = np.arange(2 * 784, dtype=np.float32).reshape(2, 784)
    out = random_shift(x, np.random.default_rng(0), max_shift=0)
    np.testing.assert_array_equal(out, x)


def test_filter_normalized_direction_matches_row_norms():
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((5, 7)), rng.standard_normal(5)
    d_W, d_b = filter_normalized_direction([W, b], rng)
    np.testing.assert_allclose(np.linalg.norm(d_W, axis=1), np.linalg.norm(W, axis=1), rtol=1e-9)
    assert not np.any(d_b)


@pytest.mark.parametrize("name", ["mlp-mnist", "optimizers-compare"])
def test_quick_run_writes_a_complete_run_directory(name, tmp_path):
    result = run_milestone(name, quick=True, runs_dir=tmp_path, show_progress=False)
    files = {p.name for p in result.out_dir.iterdir()}
    assert {"summary.json", "metrics.jsonl", "config.json", "curves.png"} <= files
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert summary["quick"] is True and summary["passed"] is None
    if name == "mlp-mnist":
        assert "checkpoint.npz" in files
        assert (
            0.5 < summary["test_accuracy"] <= 1.0
        )  # 3 epochs on 1,024 digits already beat chance by far
    else:
        assert {"loss_curves.png", "loss_landscape.png"} <= files
        assert set(summary["results"]) == {
            "SGD",
            "SGD+momentum",
            "Nesterov",
            "RMSprop",
            "Adam",
            "AdamW",
        }


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_mlp_mnist_stops_at_the_first_non_finite_loss(tmp_path):
    from groundup.milestones.base import NonFiniteLoss

    with pytest.raises(NonFiniteLoss) as err:
        run_milestone(
            "mlp-mnist", quick=True, options={"lr": "1e6"}, runs_dir=tmp_path, show_progress=False
        )
    message = str(err.value)
    # the step, the loss and the parameter with the largest gradient are named
    assert (
        "the loss is nan at epoch 1, batch " in message or "the loss is inf at epoch 1" in message
    )
    assert "the largest gradient is " in message and ".weight's (norm " in message
    assert "no checkpoint had been written yet" in message and "--set lr=" in message
    (run_dir,) = list((tmp_path / "mlp-mnist").iterdir())
    assert not (run_dir / "summary.json").exists()


def test_mlp_mnist_options_are_typed_fields(tmp_path):
    from groundup.milestones.base import ConfigError
    from groundup.milestones.mlp_mnist import Config
    from groundup.milestones.runner import resolve_config

    m = registry_get("mlp-mnist")
    assert resolve_config(m) == Config(epochs=40)
    assert resolve_config(m, options={"data": "mnist"}).epochs == 15
    quick = resolve_config(m, quick=True, options={"hidden": "128, 32"})
    assert quick.hidden == (128, 32) and quick.epochs == 3  # --set wins over --quick
    with pytest.raises(
        ConfigError,
        match=r"--set hidden=0: hidden \(ints, comma-separated\) each item must be >= 1",
    ):
        resolve_config(m, options={"hidden": "0"})
    with pytest.raises(ConfigError, match="hidden must be ints, comma-separated, got '512,x'"):
        resolve_config(m, options={"hidden": "512,x"})
    with pytest.raises(ConfigError, match=r"data must be one of 'mnist-5k', 'mnist', got 'cifar'"):
        resolve_config(m, options={"data": "cifar"})
    with pytest.raises(ConfigError, match=r"--epochs 0: epochs \(int or none\) must be >= 1"):
        resolve_config(m, epochs=0)
    with pytest.raises(ConfigError, match=r"--set dropout=1: dropout \(float\) must be < 1"):
        resolve_config(m, options={"dropout": "1"})


def registry_get(name):
    from groundup.milestones import get

    return get(name)
