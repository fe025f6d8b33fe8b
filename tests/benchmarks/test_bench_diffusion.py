"""The ``diffusion`` benchmark's two sides compute the same steps (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import WORKLOADS, runner
from benchmarks.bench_diffusion import mlp_train_pair, unet_sample_pair, unet_train_pair
from tests.helpers import assert_close


def test_unet_train_steps_match_torch_for_three_steps() -> None:
    run_g, run_r = unet_train_pair(batch=3, base=8)
    for _ in range(3):  # later steps see both optimisers' updates on both sides
        (loss, grad), (loss_t, grad_t) = run_g(), run_r()
        assert loss == pytest.approx(loss_t, rel=1e-4)
        assert_close(grad, grad_t, rtol=1e-3, atol=1e-6)


def test_unet_sampling_step_matches_torch() -> None:
    run_g, run_r = unet_sample_pair(batch=3, base=8)
    assert_close(run_g(), run_r(), rtol=1e-4, atol=1e-5)


def test_mlp_train_steps_match_torch_for_three_steps() -> None:
    run_g, run_r = mlp_train_pair(batch=8, hidden=16)
    for _ in range(3):
        (loss, grad), (loss_t, grad_t) = run_g(), run_r()
        assert loss == pytest.approx(loss_t, rel=1e-5)
        assert_close(grad, grad_t, rtol=1e-4, atol=1e-6)


def test_diffusion_group_has_the_unet_and_mlp_steps() -> None:
    runner.load_workloads()
    names = [name for (group, name) in WORKLOADS if group == "diffusion"]
    assert len(names) == 3
    assert sum("U-Net" in n for n in names) == 2
    assert any("sampling" in n for n in names)
