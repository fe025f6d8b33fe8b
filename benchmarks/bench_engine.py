"""Group ``engine``: the autograd engine's per-operation overhead, and an MLP step.

Each callable returns its output and a gradient, so a test can check that both sides
compute the same thing. The small-tensor workloads (4x4, float32) measure what each recorded operation costs
beyond its arithmetic: forward, graph recording, and the backward pass. The MLP
workload is a 784-256-10 network's forward and backward pass on a batch of 128,
written with engine operations only (matmul, add, relu, log_softmax, indexing for the
negative log-likelihood), against the same computation in PyTorch CPU.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.registry import Pair, workload
from groundup import Tensor


def _pair_small(op: Callable, shape: tuple[int, ...] = (4, 4), seed: int = 0) -> Pair:
    """fwd+bwd of ``op(x, y)`` on small float32 tensors, x and y both requiring grad."""
    import torch

    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ones = Tensor(np.ones_like(op(x, y).data))
    ones_t = torch.ones(tuple(ones.shape))

    def run_groundup() -> tuple:
        x.grad = y.grad = None
        out = op(x, y)
        out.backward(ones)
        return out, x.grad

    def run_reference() -> tuple:
        xt.grad = yt.grad = None
        out = op(xt, yt)
        out.backward(ones_t)
        return out, xt.grad

    return run_groundup, run_reference


@workload(group="engine", name="add 4x4: fwd+bwd")
def add_small() -> Pair:
    return _pair_small(lambda x, y: x + y)


@workload(group="engine", name="mul 4x4: fwd+bwd")
def mul_small() -> Pair:
    return _pair_small(lambda x, y: x * y)


@workload(group="engine", name="matmul 4x4 @ 4x4: fwd+bwd")
def matmul_small() -> Pair:
    return _pair_small(lambda x, y: x @ y)


@workload(group="engine", name="sum 4x4 (dim=1): fwd+bwd")
def sum_small() -> Pair:
    return _pair_small(lambda x, y: x.sum(1))


@workload(group="engine", name="reshape 4x4 -> 2x8: fwd+bwd")
def reshape_small() -> Pair:
    return _pair_small(lambda x, y: x.reshape(2, 8))


@workload(group="engine", name="index 4x4 [1:3, ::2]: fwd+bwd")
def index_small() -> Pair:
    return _pair_small(lambda x, y: x[1:3, ::2])


@workload(group="engine", name="tanh 4x4: fwd+bwd")
def tanh_small() -> Pair:
    return _pair_small(lambda x, y: x.tanh())


@workload(group="engine", name="MLP 784-256-10, batch 128: fwd+bwd")
def mlp_step() -> Pair:
    import torch

    rng = np.random.default_rng(0)
    n, d, h, k = 128, 784, 256, 10
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = rng.integers(0, k, n)
    init = {
        "W1": rng.standard_normal((d, h)).astype(np.float32) / d**0.5,
        "b1": np.zeros(h, np.float32),
        "W2": rng.standard_normal((h, k)).astype(np.float32) / h**0.5,
        "b2": np.zeros(k, np.float32),
    }
    p = {name: Tensor(v.copy(), requires_grad=True) for name, v in init.items()}
    pt = {name: torch.tensor(v.copy(), requires_grad=True) for name, v in init.items()}
    x, rows = Tensor(X), np.arange(n)
    xt, yt, rows_t = torch.tensor(X), torch.tensor(y), torch.arange(n)

    def run_groundup() -> tuple:
        for t in p.values():
            t.grad = None
        hidden = (x @ p["W1"] + p["b1"]).relu()  # (N, H)
        log_probs = (hidden @ p["W2"] + p["b2"]).log_softmax(-1)  # (N, K)
        # $L = -\frac1N \sum_n \log p_{n, y_n}$
        loss = -log_probs[rows, y].mean()
        loss.backward()
        return loss, p["W1"].grad

    def run_reference() -> tuple:
        for t in pt.values():
            t.grad = None
        hidden = (xt @ pt["W1"] + pt["b1"]).relu()
        log_probs = (hidden @ pt["W2"] + pt["b2"]).log_softmax(-1)
        loss = -log_probs[rows_t, yt].mean()
        loss.backward()
        return loss, pt["W1"].grad

    return run_groundup, run_reference
