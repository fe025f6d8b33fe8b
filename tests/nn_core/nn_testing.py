"""Shared by the tests in tests/nn: run a groundup module and its torch twin on the same data."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from groundup import Tensor
from tests.helpers import assert_close, to_torch

TORCH_DTYPE = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}

dtypes = st.sampled_from([np.float32, np.float64])
seeds = st.integers(0, 2**16)


def away_from_kinks(
    x: np.ndarray, kinks: tuple[float, ...] = (0.0,), gap: float = 0.02
) -> np.ndarray:
    """``x`` with every value within ``gap`` of a kink moved ``2 * gap`` away (for finite differences)."""
    x = x.copy()
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.where(x[near] >= k, 2 * gap, -2 * gap)
    return x


def copy_torch_weights(ours: Any, theirs: torch.nn.Module, dtype: Any) -> None:
    """Cast both modules to ``dtype`` and load torch's parameters and buffers into ours."""
    ours.to(dtype)
    theirs.to(TORCH_DTYPE[np.dtype(dtype)])
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)


def compare_module(
    ours: Any,
    theirs: torch.nn.Module,
    x: np.ndarray,
    dtype: Any,
    seed: int = 0,
    steps: int = 1,
    x_requires_grad: bool = True,
    grad_atol: float | None = None,
) -> None:
    """Forward, input gradient, parameter gradients and buffers equal torch's, for ``steps`` calls.

    ``grad_atol`` loosens the absolute tolerance of parameter gradients, for gradients that
    are exactly zero in exact arithmetic (a bias followed by batch norm) and rounding noise
    in float32.
    """
    copy_torch_weights(ours, theirs, dtype)
    rng = np.random.default_rng(seed)
    for step in range(steps):
        xs = x if step == 0 else rng.standard_normal(x.shape) * 2 + 0.5
        xg = Tensor(np.asarray(xs, dtype=dtype), requires_grad=x_requires_grad)
        xt = to_torch(xg)
        ours.zero_grad()
        theirs.zero_grad()
        y, yt = ours(xg), theirs(xt)
        assert_close(y, yt, msg=f"forward, step {step}")
        g = rng.standard_normal(y.shape).astype(dtype)
        y.backward(Tensor(g))
        yt.backward(torch.tensor(g))
        if x_requires_grad:
            assert_close(xg.grad, xt.grad, msg=f"input gradient, step {step}")
        for name, p in theirs.named_parameters():
            mine = ours.get_parameter(name)
            assert_close(mine.grad, p.grad, atol=grad_atol, msg=f"gradient of {name}, step {step}")
        ours_buffers = dict(ours.named_buffers())
        for name, b in theirs.named_buffers():
            assert_close(ours_buffers[name], b, msg=f"buffer {name}, step {step}")
