"""The GAN milestones' quick forms: a sample grid per epoch, the scores beside the floor,
WGAN-GP's logged gradient norm, cGAN's class accuracy; the PNG writer and grid."""

from __future__ import annotations

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from groundup.milestones._gan import image_grid, to_unit, write_png
from groundup.milestones.runner import run_milestone
from groundup.milestones.wgan_gp_mnist import grad_norm_range


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize("name", ["gan-mnist", "dcgan-mnist", "wgan-gp-mnist", "cgan-mnist"])
def test_quick_run_writes_a_grid_per_epoch_and_scores_against_the_floor(name, tmp_path):
    import matplotlib.image

    result = run_milestone(name, quick=True, runs_dir=tmp_path, show_progress=False)
    run_dir = next((tmp_path / name).iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    grids = sorted(run_dir.glob("samples_epoch_*.png"))
    assert [g.name for g in grids] == ["samples_epoch_001.png", "samples_epoch_002.png"]
    image = matplotlib.image.imread(grids[-1])  # a valid PNG: 8 rows of 28x28 digits, 2 px apart
    assert image.shape[0] == 8 * 30 + 2
    metrics = summary.get("metrics", summary)
    for key in ("fd", "precision", "recall", "floor_fd", "floor_precision", "floor_recall"):
        assert key in metrics, key
    # a two-epoch generator is far from real digits; the floor of real digits is not
    assert metrics["fd"] > 5 * metrics["floor_fd"]
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(
        np.isfinite(r["d_loss"]) and np.isfinite(r["g_loss"]) for r in rows
    )
    if name == "wgan-gp-mnist":
        assert all(r["grad_norm"] > 0 for r in rows)
        assert metrics["grad_norm_min"] <= metrics["grad_norm_max"]
    if name == "cgan-mnist":
        assert 0 <= metrics["class_accuracy"] <= 1
    assert result is not None


def test_dcgan_cifar10_quick_run_draws_colour_grids(tmp_path):
    import matplotlib.image

    run_milestone("dcgan-cifar10", quick=True, runs_dir=tmp_path, show_progress=False)
    run_dir = next((tmp_path / "dcgan-cifar10").iterdir())
    grids = sorted(run_dir.glob("samples_epoch_*.png"))
    assert len(grids) == 2
    image = matplotlib.image.imread(grids[-1])
    assert image.shape[:2] == (8 * 34 + 2, 10 * 34 + 2) and image.shape[2] in (3, 4)
    assert image[..., :3].std(axis=-1).max() > 0  # colour, not grey


def test_dcgan_cifar10_without_the_data_says_how_to_add_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDUP_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(Exception, match="groundup data add cifar-10 --from"):
        run_milestone("dcgan-cifar10", quick=False, runs_dir=tmp_path, show_progress=False)


def test_grad_norm_range_skips_the_warm_up():
    norms = [5.0, 1.1, 0.9, 1.2, 1.0, 1.05, 0.95, 1.1, 1.0, 1.0, 1.2, 0.9]
    assert grad_norm_range(norms) == (0.9, 1.2)  # the first tenth (one epoch) is warm-up
    assert grad_norm_range([3.0]) == (3.0, 3.0)


def test_png_writer_round_trips_through_matplotlib(tmp_path):
    import matplotlib.image

    rng = np.random.default_rng(0)
    grey = rng.uniform(size=(5, 7))
    back = matplotlib.image.imread(write_png(tmp_path / "g.png", grey))
    np.testing.assert_allclose(back, np.round(grey * 255) / 255, atol=1e-6)
    rgb = rng.uniform(size=(4, 3, 3))
    back = matplotlib.image.imread(write_png(tmp_path / "c.png", rgb))
    np.testing.assert_allclose(back[..., :3], np.round(rgb * 255) / 255, atol=1e-6)


def test_image_grid_places_each_image_in_its_cell():
    images = np.stack([np.full((1, 2, 2), v) for v in (0.0, 0.25, 0.5, 0.75, 1.0)])  # (5, 1, 2, 2)
    grid = image_grid(images, rows=2, pad=1)  # 3 columns
    assert grid.shape == (2 * 3 + 1, 3 * 3 + 1)
    assert grid[1, 1] == 0.0 and grid[1, 4] == 0.25 and grid[4, 1] == 0.75 and grid[4, 4] == 1.0
    assert grid[4, 7] == 1.0  # the empty sixth cell stays white
    assert np.all(to_unit(np.array([-2.0, -1.0, 0.0, 1.0, 3.0])) == [0.0, 0.0, 0.5, 1.0, 1.0])
