"""The finite-difference gradient check catches wrong gradients and says where."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import Function, Tensor
from groundup.foundations.gradient_check import gradient_check, numerical_gradient


class _WrongSquare(Function):
    """$y = x^2$ with a backward that is wrong at one element (index 2)."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        bump = np.zeros(x.shape)
        bump.flat[2] = 1.0
        return grad * (2.0 * x + Tensor(bump))


def test_correct_gradient_passes_and_wrong_one_fails_at_its_element():
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True)
    good = gradient_check(lambda t: (t * t).tanh(), [x])
    assert good.passed and good.max_rel_error < 1e-6
    bad = gradient_check(lambda t: _WrongSquare.apply(t), [x])
    assert not bad.passed
    assert bad.input_index == 0 and bad.where == (1, 0)  # flat index 2 of a 2x2
    assert "FAILED" in str(bad) and "(1, 0)" in str(bad)


def test_numerical_gradient_on_a_non_contiguous_input():
    base = np.arange(12.0).reshape(3, 4) / 10
    x = Tensor(base.T, requires_grad=True)  # a transposed view
    assert not x.data.flags.c_contiguous
    grads, r = numerical_gradient(lambda t: t * t, [x])
    np.testing.assert_allclose(grads[0], 2 * base.T * r, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x.data, base.T)  # restored
    assert gradient_check(lambda t: t.exp() * t, [x]).passed


def test_inputs_that_need_no_gradient_are_left_alone_and_errors_are_clear():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = Tensor(np.array([3.0, 4.0]))
    report = gradient_check(lambda a, b: a * b, [x, c])
    assert report.passed and report.input_index == 0
    with pytest.raises(TypeError, match="input 0 is float32"):
        gradient_check(lambda a: a * 2, [Tensor(np.ones(2, np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="no input has requires_grad"):
        gradient_check(lambda a: a * 2, [c])
