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


def test_mlp_mnist_resumes_after_an_interrupt(tmp_path, monkeypatch):
    import groundup.milestones.training as training

    real = training.save_training_state
    calls = {"n": 0}

    def save_then_interrupt(*args, **kwargs):
        real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt  # Ctrl-C right after epoch 1 was saved

    monkeypatch.setattr(training, "save_training_state", save_then_interrupt)
    from groundup.errors import GroundupError

    with pytest.raises(GroundupError, match="--resume"):
        run_milestone("mlp-mnist", quick=True, runs_dir=tmp_path, show_progress=False)
    result = run_milestone("mlp-mnist", resume=True, runs_dir=tmp_path, show_progress=False)
    steps = [
        json.loads(line)["step"]
        for line in (result.out_dir / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps == [1, 2, 3]  # epoch 1 from the first process, epochs 2-3 after resuming
    # Resuming restores weights, Adam's moments, the schedule and every generator (data
    # order, dropout masks): the result equals a run that was never interrupted.
    monkeypatch.setattr(training, "save_training_state", real)
    straight = run_milestone(
        "mlp-mnist", quick=True, runs_dir=tmp_path / "straight", show_progress=False
    )
    assert result.summary["test_loss"] == straight.summary["test_loss"]
