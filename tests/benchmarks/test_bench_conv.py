"""The conv benchmark's two sides compute the same thing (no timing assertions)."""

from __future__ import annotations

from benchmarks.bench_conv import (
    SHAPES,
    ConvShape,
    conv_pair,
    gemm_peak,
    resnet18_step_pair,
    resnet18_step_peak_memory,
)
from groundup.architectures.resnet import resnet18
from tests.helpers import assert_close


def test_conv_workloads_compute_the_same_output_and_gradient() -> None:
    assert {s.label for s in SHAPES} >= {"LeNet conv1", "ResNet-18 CIFAR layer1"}
    for shape in [
        ConvShape("small", 2, 3, 9, 4, 3, stride=2, padding=1),
        ConvShape("lenet", 2, 1, 28, 6, 5, padding=2),
    ]:
        run_g, run_r = conv_pair(shape)
        (y, gw), (y_t, gw_t) = run_g(), run_r()
        assert y.shape == (shape.N, shape.O, shape.out, shape.out)
        assert_close(y, y_t, rtol=1e-4, atol=1e-4)
        assert_close(gw, gw_t, rtol=1e-4, atol=1e-3)


def test_resnet_step_workload_matches_torch_for_two_steps() -> None:
    run_g, run_r = resnet18_step_pair(batch=4, width=4)
    for _ in range(2):  # the second step sees the first SGD update on both sides
        (loss, g), (loss_t, g_t) = run_g(), run_r()
        assert_close(loss, loss_t, rtol=1e-4, atol=1e-5)
        assert_close(g, g_t, rtol=1e-3, atol=1e-4)


def test_gemm_peak_is_a_positive_rate() -> None:
    assert gemm_peak(n=64, repeat=1) > 0


def test_resnet_step_peak_memory_counts_parameters_gradients_and_momentum() -> None:
    # all three live through the step: the peak is at least three copies of the parameters
    params = sum(
        p.data.nbytes for p in resnet18(num_classes=10, stem="cifar", width=4).parameters()
    )
    peak = resnet18_step_peak_memory(batch=2, width=4)
    assert 3 * params <= peak < 3 * params + 50 * 2**20
