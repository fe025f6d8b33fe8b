"""The ``gans`` benchmark's two sides compute the same training steps (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import WORKLOADS, runner
from benchmarks.bench_gans import critic_pair, dcgan_pair
from tests.helpers import assert_close


def test_dcgan_steps_match_torch_for_three_steps() -> None:
    run_g, run_r = dcgan_pair(batch=4, base=4)
    for _ in range(3):  # later steps see both optimisers' updates on both sides
        *losses, grad = run_g()
        *losses_t, grad_t = run_r()
        assert losses == pytest.approx(losses_t, rel=1e-5)
        assert_close(grad, grad_t, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["conv", "mlp"])
def test_wgan_gp_critic_steps_match_torch_for_three_steps(kind) -> None:
    run_g, run_r = critic_pair(kind, batch=4)
    for _ in range(3):
        (loss, grad), (loss_t, grad_t) = run_g(), run_r()
        assert loss == pytest.approx(loss_t, rel=1e-4, abs=1e-5)
        assert_close(grad, grad_t, rtol=1e-3, atol=1e-6)


def test_gans_group_has_the_dcgan_and_critic_steps() -> None:
    runner.load_workloads()
    names = [name for (group, name) in WORKLOADS if group == "gans"]
    assert len(names) == 3
    assert any("DCGAN" in n for n in names)
    assert sum("double backward" in n for n in names) == 2
