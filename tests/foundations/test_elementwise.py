"""Elementwise ops vs PyTorch: + - * / ** with broadcasting, the unary functions,
maximum/minimum (ties included), where and clip; values, gradients, Hessian-vector
products and the finite-difference check."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given

import groundup
from groundup import Tensor
from tests.foundations.foundations_oracle import (
    DTYPES,
    away_from_zero,
    broadcast_pairs,
    check_op,
    normal,
    positive,
    seeds,
    shapes,
)
from tests.helpers import assert_close

BINARY = {
    "add": (lambda a, b: a + b, normal, normal),
    "sub": (lambda a, b: a - b, normal, normal),
    "mul": (lambda a, b: a * b, normal, normal),
    "div": (lambda a, b: a / b, normal, away_from_zero),
    "pow": (lambda a, b: a**b, positive, normal),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcast_pairs(), seed=seeds)
def test_binary_op_broadcasting_matches_torch(name, dtype, pair, seed):
    op, dom_a, dom_b = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = dom_a(rng, pair[0]), dom_b(rng, pair[1])
    check_op(op, op, [a, b], dtype, seed=seed)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("scalar", [2.5, -1.5, 3])
def test_binary_op_with_python_scalar_keeps_float32(name, scalar):
    op, dom_a, _ = BINARY[name]
    if name == "div" and scalar == 0:
        return
    rng = np.random.default_rng(0)
    a = dom_a(rng, (3, 4))
    for dtype in DTYPES:
        check_op(lambda x: op(x, scalar), lambda x: op(x, scalar), [a], dtype)
        if name != "pow":  # base: a scalar; exponent: the tensor
            check_op(
                lambda x: op(scalar, x), lambda x: op(scalar, x), [away_from_zero(rng, (3,))], dtype
            )


def test_scalar_base_power_and_array_operands():
    rng = np.random.default_rng(1)
    b = normal(rng, (2, 3))
    base = positive(rng, (2, 3))
    check_op(lambda x: 2.0**x, lambda x: 2.0**x, [b])
    check_op(lambda x: base**x, lambda x: torch.tensor(base) ** x, [b])
    check_op(lambda x: x ** Tensor(b), lambda x: x ** torch.tensor(b), [base])


def test_pow_gradient_at_zero_base_and_zero_exponent_matches_torch():
    a = np.array([0.0, 0.0, 1.5, 2.0])
    b = np.array([0.0, 2.0, 0.0, 3.0])
    check_op(lambda x, y: x**y, lambda x, y: x**y, [a, b], hvp=False, gradcheck=False)
    check_op(lambda x: x**0, lambda x: x**0, [a], gradcheck=False)
    check_op(lambda x: x**2, lambda x: x**2, [a])


UNARY = {
    "neg": (lambda x: -x, lambda x: -x, normal),
    "neg_method": (lambda x: x.neg(), lambda x: x.neg(), normal),
    "exp": (lambda x: x.exp(), lambda x: x.exp(), normal),
    "log": (lambda x: x.log(), lambda x: x.log(), positive),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt(), positive),
    "abs": (lambda x: x.abs(), lambda x: x.abs(), away_from_zero),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), normal),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), normal),
    "relu": (lambda x: x.relu(), lambda x: x.relu(), away_from_zero),
    "clip": (lambda x: x.clip(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), away_from_zero),
    "clamp_min": (lambda x: x.clamp(min=0.3), lambda x: x.clamp(min=0.3), away_from_zero),
    "clip_max": (lambda x: x.clip(max=-0.3), lambda x: x.clamp(max=-0.3), away_from_zero),
    "square": (lambda x: x * x, lambda x: x * x, normal),
    "rsqrt_pow": (lambda x: x**-0.5, lambda x: x**-0.5, positive),
    "reciprocal": (lambda x: 1.0 / x, lambda x: 1.0 / x, away_from_zero),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes(), seed=seeds)
def test_unary_op_matches_torch(name, dtype, shape, seed):
    op, top, dom = UNARY[name]
    if name == "clip" or name.startswith("clamp") or name.startswith("clip"):
        # keep values out of the difference step around the clip bounds
        x = dom(np.random.default_rng(seed), shape)
        x = np.where(np.abs(np.abs(x) - 0.5) < 0.05, x + 0.1, x)
        x = np.where(np.abs(np.abs(x) - 0.3) < 0.05, x + 0.1, x)
        x = np.where(np.abs(np.abs(x) - 0.7) < 0.05, x + 0.1, x)
    else:
        x = dom(np.random.default_rng(seed), shape)
    check_op(op, top, [x], dtype, seed=seed)


def test_unary_kinks_take_torch_subgradient():
    x = np.array([-1.0, 0.0, 0.0, 2.0])
    for op in ("abs", "relu"):
        fn, tfn, _ = UNARY[op]
        check_op(fn, tfn, [x], gradcheck=False)
    # clamp: the gradient passes at the bounds themselves (closed interval, as torch)
    check_op(lambda t: t.clip(0.0, 2.0), lambda t: t.clamp(0.0, 2.0), [x], gradcheck=False)


def test_stable_sigmoid_and_exp_saturation():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    for dtype in DTYPES:
        check_op(lambda t: t.sigmoid(), lambda t: t.sigmoid(), [x], dtype, gradcheck=False)
        check_op(lambda t: t.tanh(), lambda t: t.tanh(), [x], dtype, gradcheck=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(pair=broadcast_pairs(), seed=seeds)
def test_maximum_minimum_with_ties_matches_torch(name, dtype, pair, seed):
    rng = np.random.default_rng(seed)
    # small integers: ties are frequent, and the gradient is split evenly between them
    a = rng.integers(-2, 3, pair[0]).astype(np.float64)
    b = rng.integers(-2, 3, pair[1]).astype(np.float64)
    op = getattr(groundup, name)
    check_op(op, getattr(torch, name), [a, b], dtype, seed=seed, gradcheck=False)
    # away from ties the finite differences agree too
    a, b = normal(rng, pair[0]), normal(rng, pair[1]) + 0.05
    check_op(op, getattr(torch, name), [a, b], dtype, seed=seed, gradcheck=dtype == np.float64)
    method = getattr(Tensor, name)
    check_op(
        lambda x, y: method(x, y), getattr(torch, name), [a, b], dtype, seed=seed, gradcheck=False
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes3=broadcast_pairs(), seed=seeds)
def test_where_matches_torch(dtype, shapes3, seed):
    rng = np.random.default_rng(seed)
    a, b = normal(rng, shapes3[0]), normal(rng, shapes3[1])
    cond = rng.random(np.broadcast_shapes(shapes3[0], shapes3[1])) > 0.5
    check_op(
        lambda x, y: groundup.where(Tensor(cond), x, y),
        lambda x, y: torch.where(torch.tensor(cond), x, y),
        [a, b],
        dtype,
        seed=seed,
    )
    check_op(
        lambda x: groundup.where(cond, x, 0.0),
        lambda x: torch.where(torch.tensor(cond), x, 0.0),
        [a],
        dtype,
        seed=seed,
    )


def test_mixed_integer_and_float_follow_torch_promotion():
    x = Tensor(np.array([1.5, 2.5], dtype=np.float32), requires_grad=True)
    i = Tensor(np.array([2, 3]))
    for y in (x + i, x * i, i - x, x / i, x * np.float64(2.0), groundup.maximum(x, i), x**2):
        assert y.dtype == np.float32
    (x * i).sum().backward()
    assert x.grad.dtype == np.float32
    assert_close(x.grad, np.array([2.0, 3.0], dtype=np.float32))
    mask = Tensor(np.array([True, False]))
    assert (x * mask).dtype == np.float32
