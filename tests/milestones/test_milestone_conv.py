"""The Phase 5 milestones: quick runs end to end, and their building blocks checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from groundup.data.cifar import read_cifar10_folder
from groundup.milestones.resnet_cifar10 import flip_and_shift, write_generated_cifar
from groundup.milestones.runner import run_milestone
from groundup.milestones.unet_denoise import psnr


def test_psnr_is_ten_log10_of_one_over_mse() -> None:
    clean = np.zeros((2, 1, 4, 4))
    assert psnr(clean + 0.1, clean) == pytest.approx(20.0)  # MSE 0.01
    assert psnr(clean + 0.01, clean) == pytest.approx(40.0)


def test_flip_and_shift_mirrors_about_half_the_images() -> None:
    images = np.random.default_rng(0).random((64, 3, 8, 8)).astype(np.float32)
    out = flip_and_shift(images, np.random.default_rng(1), max_shift=0)
    flipped = [np.array_equal(o, x[..., ::-1]) for o, x in zip(out, images)]
    kept = [np.array_equal(o, x) for o, x in zip(out, images)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 16 < sum(flipped) < 48


def test_generated_cifar_folder_reads_back(tmp_path) -> None:
    folder = write_generated_cifar(tmp_path / "cifar", 8, np.random.default_rng(0))
    d = read_cifar10_folder(folder)
    assert d["train"][0].shape == (40, 3, 32, 32) and d["train"][0].dtype == np.uint8
    assert d["test"][0].shape == (8, 3, 32, 32) and set(d["test"][1]) <= set(range(10))


@pytest.mark.parametrize("name", ["lenet-mnist", "resnet-cifar10", "unet-denoise"])
def test_quick_run_writes_a_complete_run_directory(name: str, tmp_path) -> None:
    result = run_milestone(name, quick=True, runs_dir=tmp_path, show_progress=False)
    files = {p.name for p in result.out_dir.iterdir()}
    assert {"summary.json", "metrics.jsonl", "config.json", "curves.png", "checkpoint.npz"} <= files
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert summary["quick"] is True and summary["passed"] is None
    if name == "unet-denoise":
        assert "denoising.png" in files
        assert np.isfinite(summary["psnr_denoised_db"]) and summary["psnr_noisy_db"] < 10
    else:
        assert 0.0 <= summary["test_accuracy"] <= 1.0 and summary["images_per_second"] > 0
