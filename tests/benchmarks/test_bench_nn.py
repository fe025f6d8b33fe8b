"""The ``nn`` benchmark workloads time the same computation on both sides."""

import pytest

from benchmarks.bench_nn import mlp_adam_step, mlp_bn_dropout_step


@pytest.mark.parametrize("setup", [mlp_adam_step])
def test_first_steps_have_the_same_loss_as_torch(setup):
    run_groundup, run_reference = setup()
    for _ in range(3):  # same weights, same batch, same Adam: the same trajectory
        assert run_groundup() == pytest.approx(run_reference(), rel=1e-4)


def test_batchnorm_dropout_step_runs_on_both_sides():
    run_groundup, run_reference = mlp_bn_dropout_step()
    # Dropout masks differ between the libraries, so the losses only agree in size.
    a, b = run_groundup(), run_reference()
    assert 1.5 < a < 3.5 and 1.5 < b < 3.5
