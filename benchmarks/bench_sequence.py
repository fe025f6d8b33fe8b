r"""Group ``sequence``: recurrent training steps, groundup against PyTorch CPU.

Workloads (float32, identical inputs and weights on both sides):

* one LSTM training step at seq 64, batch 32, input 64, hidden 256: forward over the
  sequence, a squared-error loss on all outputs, backward to the input and every
  parameter, and an SGD update;
* the same for a GRU, and for a 2-layer bidirectional LSTM at a smaller size.

PyTorch runs its fused ATen LSTM/GRU kernels; groundup unrolls the cell in Python over
time (one GEMM for the input projection of all steps, one per step for the recurrence).
"""

from __future__ import annotations

import numpy as np

from benchmarks.registry import Pair, workload


def recurrent_step_pair(
    kind: str, T: int, B: int, I: int, H: int, num_layers: int = 1, bidirectional: bool = False
) -> Pair:
    """One SGD step of ``kind`` ("LSTM" or "GRU"); each side returns its output and input gradient."""
    import torch

    from groundup import Tensor, nn, optim

    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(I, H, num_layers=num_layers, bidirectional=bidirectional)
    ours = getattr(nn, kind)(I, H, num_layers=num_layers, bidirectional=bidirectional)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((T, B, I)).astype(np.float32)
    opt, opt_t = (
        optim.SGD(ours.parameters(), lr=1e-3),
        torch.optim.SGD(theirs.parameters(), lr=1e-3),
    )

    def run_groundup():
        xg = Tensor(x, requires_grad=True)
        out, _ = ours(xg)
        opt.zero_grad()
        (out * out).mean().backward()
        opt.step()
        return out.data, xg.grad.data

    def run_reference():
        xt = torch.tensor(x, requires_grad=True)
        out, _ = theirs(xt)
        opt_t.zero_grad()
        (out * out).mean().backward()
        opt_t.step()
        return out.detach().numpy(), xt.grad.numpy()

    return run_groundup, run_reference


@workload(group="sequence", name="LSTM step: seq 64, batch 32, input 64, hidden 256: fwd+bwd+SGD")
def lstm_step() -> Pair:
    return recurrent_step_pair("LSTM", 64, 32, 64, 256)


@workload(group="sequence", name="GRU step: seq 64, batch 32, input 64, hidden 256: fwd+bwd+SGD")
def gru_step() -> Pair:
    return recurrent_step_pair("GRU", 64, 32, 64, 256)


@workload(
    group="sequence",
    name="LSTM 2-layer bidirectional step: seq 32, batch 16, input 32, hidden 64: fwd+bwd+SGD",
)
def lstm_bidirectional_step() -> Pair:
    return recurrent_step_pair("LSTM", 32, 16, 32, 64, num_layers=2, bidirectional=True)
