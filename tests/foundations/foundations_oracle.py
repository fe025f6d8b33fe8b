"""The three-tier check every engine op goes through: PyTorch values and gradients,
PyTorch Hessian-vector products, and the float64 finite-difference check.

``check_op(fn, torch_fn, arrays, dtype)`` runs ``fn`` on groundup tensors and
``torch_fn`` on torch tensors holding the same values and compares:

1. the forward values (and that float32 stays float32);
2. the gradients for a random upstream gradient $R$: $\\partial \\sum R \\odot f / \\partial x$;
3. in float64, the Hessian-vector products
   $\\partial/\\partial x \\sum_i v_i \\cdot \\partial(\\sum R \\odot f)/\\partial x_i$, computed with
   ``groundup.grad(..., create_graph=True)`` as with ``torch.autograd.grad``;
4. in float64, ``gradient_check`` (central differences).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import groundup
from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from tests.helpers import assert_close

DTYPES = [np.float64, np.float32]

seeds = st.integers(0, 2**16)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> Any:
    """Small array shapes (hypothesis)."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcast_pairs(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> Any:
    """Pairs of broadcast-compatible shapes, e.g. ``((3, 1), (1, 4))`` (hypothesis)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda b: b.input_shapes)


def normal(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    return rng.standard_normal(tuple(shape))


def positive(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    """Values in [0.5, 2]: the domain of log, sqrt, and of a base raised to any power."""
    return rng.uniform(0.5, 2.0, tuple(shape))


def away_from_zero(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    """$\\pm$[0.2, 2]: no kink of abs/relu and no pole of 1/x within a difference step."""
    return rng.choice([-1.0, 1.0], tuple(shape)) * rng.uniform(0.2, 2.0, tuple(shape))


def distinct(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    """Values that are pairwise at least 0.1 apart: the max/argmax is unique and stable."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n + rng.uniform(0, 0.01, n)).reshape(shape)


def _none_to_zero(g: Any, like: np.ndarray) -> np.ndarray:
    if g is None:
        return np.zeros_like(like)
    return g.detach().numpy(force=True) if isinstance(g, torch.Tensor) else g.data


def check_op(
    fn: Callable[..., Tensor],
    torch_fn: Callable[..., torch.Tensor],
    arrays: Sequence[np.ndarray],
    dtype: Any = np.float64,
    requires_grad: Sequence[bool] | None = None,
    hvp: bool = True,
    gradcheck: bool = True,
    seed: int = 0,
) -> None:
    """Compare ``fn`` (groundup) with ``torch_fn`` on ``arrays``; see the module docstring."""
    rg = [True] * len(arrays) if requires_grad is None else list(requires_grad)
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    xs = [Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, rg)]
    ts = [torch.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, rg)]
    out, tout = fn(*xs), torch_fn(*ts)
    assert_close(out, tout, msg="forward")
    assert out.dtype == np.dtype(dtype), f"forward dtype {out.dtype}, expected {np.dtype(dtype)}"
    assert out.requires_grad == tout.requires_grad

    if not any(rg) or not tout.requires_grad:
        return
    rng = np.random.default_rng(seed)
    R = rng.standard_normal(out.shape).astype(dtype)
    out.backward(Tensor(R))
    tout.backward(torch.tensor(R))
    for i, (x, t) in enumerate(zip(xs, ts)):
        if rg[i]:
            assert_close(
                _none_to_zero(x.grad, x.data), _none_to_zero(t.grad, x.data), msg=f"grad {i}"
            )
            if x.grad is not None:
                assert x.grad.dtype == np.dtype(dtype), f"grad {i} dtype {x.grad.dtype}"

    if dtype == np.float64 and hvp:
        _check_hvp(fn, torch_fn, arrays, rg, R, rng)
    if dtype == np.float64 and gradcheck:
        inputs = [Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, rg)]
        report = gradient_check(fn, inputs)
        assert report.passed, str(report)


def _check_hvp(
    fn: Callable[..., Tensor],
    torch_fn: Callable[..., torch.Tensor],
    arrays: Sequence[np.ndarray],
    rg: Sequence[bool],
    R: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Hessian-vector products through ``groundup.grad(create_graph=True)`` vs torch."""
    xs = [Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, rg)]
    ts = [torch.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, rg)]
    xs_g = [x for x in xs if x.requires_grad]
    ts_g = [t for t in ts if t.requires_grad]
    vs = [rng.standard_normal(x.shape) for x in xs_g]

    grads = groundup.grad(fn(*xs), xs_g, Tensor(R), create_graph=True, allow_unused=True)
    tgrads = torch.autograd.grad(
        torch_fn(*ts), ts_g, torch.tensor(R), create_graph=True, allow_unused=True
    )
    # First derivatives via grad() equal torch.autograd.grad's.
    for x, g, tg in zip(xs_g, grads, tgrads):
        assert_close(_none_to_zero(g, x.data), _none_to_zero(tg, x.data), msg="grad()")

    terms = [(g * Tensor(v)).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad]
    tterms = [
        (g * torch.tensor(v)).sum() for g, v in zip(tgrads, vs) if g is not None and g.requires_grad
    ]
    hv = groundup.grad(sum(terms), xs_g, allow_unused=True) if terms else [None] * len(xs_g)
    thv = (
        torch.autograd.grad(sum(tterms), ts_g, allow_unused=True) if tterms else [None] * len(ts_g)
    )
    for i, (x, h, th) in enumerate(zip(xs_g, hv, thv)):
        assert_close(_none_to_zero(h, x.data), _none_to_zero(th, x.data), msg=f"Hv {i}")
