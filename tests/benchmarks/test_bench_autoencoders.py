"""The ``autoencoders`` benchmark's two sides compute the same VAE steps (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import WORKLOADS, runner
from benchmarks.bench_autoencoders import vae_pair
from tests.helpers import assert_close


def test_vae_steps_match_torch_for_three_steps() -> None:
    run_g, run_r = vae_pair(batch=8, hidden=32, latent_dim=4)
    losses = []
    for _ in range(3):  # later steps see the optimiser's updates on both sides
        (loss, grad), (loss_t, grad_t) = run_g(), run_r()
        assert loss == pytest.approx(loss_t, rel=1e-5)
        assert_close(grad, grad_t, rtol=1e-4, atol=1e-6)
        losses.append(loss)
    assert losses[2] < losses[0]


def test_autoencoders_group_times_the_vae_step() -> None:
    runner.load_workloads()
    names = [name for (group, name) in WORKLOADS if group == "autoencoders"]
    assert names == ["VAE 784-400-20 (vae-mnist), batch 128, Adam: train step (negative ELBO)"]
