r"""Group ``conv``: 2-D convolutions (forward + backward) and a ResNet-18 training step.

Workloads (float32, batch 32, both libraries given identical inputs and weights):

* one ``conv2d`` forward and backward (input and weight gradients) at the shapes of
  LeNet-5's two convolutions and of ResNet-18's 3x3 convolutions (CIFAR stages at
  32/16/8/4 pixels, a strided one, and the ImageNet model's first stage at 56 pixels);
* one training step of ResNet-18 (CIFAR stem, 10 classes) on a batch of 32 images:
  forward, cross-entropy, backward, SGD with momentum.

``python -m benchmarks.bench_conv [--write]`` adds what a ratio does not show: the
machine's float32 GEMM throughput (``np.matmul`` on 2048x2048), the GFLOP/s each library
reaches on each convolution (a convolution costs $2 N O C k_h k_w H_o W_o$ FLOPs forward
and twice that backward), and the peak memory of a groundup ResNet-18 step
(``tracemalloc``, which sees every NumPy buffer).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks.registry import Pair, workload
from groundup import Tensor


@dataclass(frozen=True)
class ConvShape:
    """A convolution layer: input ``(N, C, H, H)``, ``O`` filters of ``k x k``."""

    label: str
    N: int
    C: int
    H: int
    O: int
    k: int
    stride: int = 1
    padding: int = 0

    @property
    def out(self) -> int:
        return (self.H + 2 * self.padding - self.k) // self.stride + 1

    @property
    def flops(self) -> float:
        """Forward + backward: $3 \\times 2 N O C k^2 H_o W_o$."""
        return 3 * 2 * self.N * self.O * self.C * self.k**2 * self.out**2

    @property
    def name(self) -> str:
        return (
            f"conv2d {self.label}: {self.C}->{self.O}, {self.k}x{self.k}/{self.stride}, "
            f"{self.H}x{self.H}, batch {self.N}: fwd+bwd"
        )


SHAPES = [
    ConvShape("LeNet conv1", 32, 1, 28, 6, 5, padding=2),
    ConvShape("LeNet conv2", 32, 6, 14, 16, 5),
    ConvShape("ResNet-18 CIFAR layer1", 32, 64, 32, 64, 3, padding=1),
    ConvShape("ResNet-18 CIFAR layer2", 32, 128, 16, 128, 3, padding=1),
    ConvShape("ResNet-18 CIFAR layer3", 32, 256, 8, 256, 3, padding=1),
    ConvShape("ResNet-18 CIFAR layer4", 32, 512, 4, 512, 3, padding=1),
    ConvShape("ResNet-18 CIFAR layer2.0 (strided)", 32, 64, 32, 128, 3, stride=2, padding=1),
    ConvShape("ResNet-18 ImageNet layer1", 32, 64, 56, 64, 3, padding=1),
]


def conv_pair(shape: ConvShape, seed: int = 0) -> Pair:
    """fwd+bwd of one convolution; each side returns its output and weight gradient."""
    import torch
    import torch.nn.functional as F

    from groundup.nn_core.conv.conv2d import conv2d

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((shape.N, shape.C, shape.H, shape.H)).astype(np.float32)
    w = rng.standard_normal((shape.O, shape.C, shape.k, shape.k)).astype(np.float32)
    g = rng.standard_normal((shape.N, shape.O, shape.out, shape.out)).astype(np.float32)
    xg, wg, gg = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True), Tensor(g)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    gt = torch.tensor(g)
    kwargs = {"stride": shape.stride, "padding": shape.padding}

    def run_groundup() -> tuple:
        xg.grad = wg.grad = None
        y = conv2d(xg, wg, **kwargs)
        y.backward(gg)
        return y, wg.grad

    def run_reference() -> tuple:
        xt.grad = wt.grad = None
        y = F.conv2d(xt, wt, **kwargs)
        y.backward(gt)
        return y, wt.grad

    return run_groundup, run_reference


def _register(shape: ConvShape) -> None:
    workload(group="conv", name=shape.name)(lambda: conv_pair(shape))


for _shape in SHAPES:
    _register(_shape)


def resnet18_step_pair(batch: int = 32, width: int = 64, seed: int = 0) -> Pair:
    """One SGD step of ResNet-18 (CIFAR stem) on the same batch and weights in both."""
    import torch

    from groundup.architectures.resnet import resnet18
    from groundup.nn.functional import cross_entropy
    from groundup.optimization.optimizers.sgd import SGD
    from tests.architectures.torch_twins import TorchBasicBlock, TorchResNet

    rng = np.random.default_rng(seed)
    model = resnet18(num_classes=10, stem="cifar", width=width, generator=rng)
    model_t = TorchResNet(TorchBasicBlock, [2, 2, 2, 2], num_classes=10, stem="cifar", width=width)
    model_t.load_state_dict(
        {k: torch.from_numpy(np.array(v.data)) for k, v in model.state_dict().items()}
    )
    x = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt = SGD(model.parameters(), lr=0.01, momentum=0.9)
    opt_t = torch.optim.SGD(model_t.parameters(), lr=0.01, momentum=0.9)

    def run_groundup() -> tuple:
        opt.zero_grad()
        loss = cross_entropy(model(Tensor(x)), y)
        loss.backward()
        opt.step()
        return loss, model.fc.weight.grad

    def run_reference() -> tuple:
        opt_t.zero_grad()
        loss = torch.nn.functional.cross_entropy(model_t(xt), yt)
        loss.backward()
        opt_t.step()
        return loss, model_t.fc.weight.grad

    return run_groundup, run_reference


workload(group="conv", name="ResNet-18 (CIFAR stem) SGD step, batch 32, 32x32")(resnet18_step_pair)


# ---------------------------------------------------------------- throughput and memory
def _best_time(fn: Callable[[], object], repeat: int, min_time: float = 0.05) -> float:
    """Seconds per call: the best of ``repeat`` samples, each the mean of enough calls to
    last ``min_time`` (one call for a large convolution, tens for LeNet's)."""
    start = time.perf_counter()
    fn()
    number = max(1, round(min_time / max(time.perf_counter() - start, 1e-9)))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def gemm_peak(n: int = 2048, repeat: int = 5) -> float:
    """GFLOP/s of ``np.matmul`` on two float32 ``n x n`` matrices ($2n^3$ FLOPs)."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    return 2 * n**3 / _best_time(lambda: a @ a, repeat) / 1e9


def resnet18_step_peak_memory(batch: int = 32, width: int = 64) -> float:
    """Peak bytes of NumPy memory alive during one groundup ResNet-18 step.

    Traced from before the model is built, with the im2col scratch buffer dropped first:
    parameters, gradients, the optimiser's momentum and the reused scratch buffer all
    count, not only what the step itself allocates. The peak is reset after a warm-up
    step (which creates the momentum and grows the scratch buffer) and read after a
    second step.
    """
    from groundup.nn_core.conv.im2col import release_scratch

    # tracemalloc traces every Python allocation: an untraced step at batch 1 first makes
    # every import (torch's included) the step needs
    resnet18_step_pair(batch=1, width=width)[0]()
    release_scratch()
    tracemalloc.start()
    try:
        run_groundup, _ = resnet18_step_pair(batch, width)
        run_groundup()
        tracemalloc.reset_peak()
        run_groundup()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def throughput_report(repeat: int = 3, threads: int | None = None) -> str:
    """A Markdown section: GEMM peak, conv GFLOP/s per library, ResNet-18 step memory."""
    from benchmarks import environment

    suffix = f" --threads {threads}" if threads else ""
    peak = gemm_peak(repeat=10)
    rates = []
    for shape in SHAPES:
        run_g, run_r = conv_pair(shape)
        g = shape.flops / _best_time(run_g, repeat) / 1e9
        r = shape.flops / _best_time(run_r, repeat) / 1e9
        rates.append((shape, g, r))
    # the load of a shared machine varies: the better of two GEMM measurements, before and after
    peak = max(peak, gemm_peak(repeat=10))
    lines = [
        f"## conv-throughput{f'@threads={threads}' if threads else ''}",
        environment.describe(f"python -m benchmarks.bench_conv --write{suffix}"),
        "",
        f"float32 GEMM (`np.matmul`, 2048x2048, best of 10 calls, before and after): "
        f"**{peak:.1f} GFLOP/s**; convolutions: best of {repeat} samples each, a sample "
        f"being one call or, for the small ones, the mean of enough calls to last 50 ms.",
        "",
        "| convolution (fwd+bwd) | GFLOP | groundup GFLOP/s | % of GEMM | PyTorch GFLOP/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for shape, g, r in rates:
        lines.append(
            f"| {shape.name} | {shape.flops / 1e9:.2f} | {g:.1f} | {100 * g / peak:.0f}% | {r:.1f} |"
        )
    mem = resnet18_step_peak_memory()
    lines += [
        "",
        f"Peak NumPy memory of one groundup ResNet-18 (CIFAR stem) SGD step, batch 32 "
        f"(tracemalloc from before the model is built: parameters, gradients, momentum and "
        f"the im2col scratch buffer included): **{mem / 2**30:.2f} GiB**.",
        "",
        f"Load average (1, 5, 15 min) at the end: {environment.load_average()}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from benchmarks import runner
    from benchmarks.cli import DOC_PATH, limit_threads

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_conv")
    parser.add_argument(
        "--write", action="store_true", help="write the section to docs/benchmarks.md"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads for NumPy's BLAS and PyTorch each"
    )
    args = parser.parse_args(argv)
    with limit_threads(args.threads):
        report = throughput_report(threads=args.threads)
    print(report)
    if args.write:
        section = "conv-throughput" + (f"@threads={args.threads}" if args.threads else "")
        runner.write_section(DOC_PATH, section, report)


if __name__ == "__main__":
    main()
