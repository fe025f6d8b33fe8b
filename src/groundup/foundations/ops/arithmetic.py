r"""Binary arithmetic: $a+b$, $a-b$, $ab$, $a/b$, $a^b$, $-a$ and the matrix product.

Inputs broadcast as in NumPy. Each backward returns gradients in the output's shape;
the engine sums them back to each input's shape (the one place broadcasting is undone).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.ops.elementwise import Log, where
from groundup.foundations.ops.promotion import (
    _is_integral,
    broadcast_error,
    input_array,
    promote,
)


class Add(Function):
    r"""$y = a + b$; $\partial y/\partial a = 1$, $\partial y/\partial b = 1$."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            return np.add(*promote(a, b))
        except ValueError:
            raise broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        return grad, grad
        # END SOLUTION


class Sub(Function):
    r"""$y = a - b$; $\partial y/\partial a = 1$, $\partial y/\partial b = -1$."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            return np.subtract(*promote(a, b))
        except ValueError:
            raise broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        return grad, (-grad if ctx.needs_input_grad[1] else None)
        # END SOLUTION


class Mul(Function):
    r"""$y = a b$; $\partial y/\partial a = b$, $\partial y/\partial b = a$."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            return np.multiply(*promote(a, b))
        except ValueError:
            raise broadcast_error("mul", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        ga = grad * ctx.input(1) if ctx.needs_input_grad[0] else None
        gb = grad * ctx.input(0) if ctx.needs_input_grad[1] else None
        return ga, gb
        # END SOLUTION


class Div(Function):
    r"""$y = a / b$; $\partial y/\partial a = 1/b$, $\partial y/\partial b = -a/b^2$."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            if _is_integral(a) and _is_integral(b):  # int / int is float32, as in PyTorch
                return np.true_divide(a, b, dtype=np.float32)
            return np.true_divide(*promote(a, b))
        except ValueError:
            raise broadcast_error("div", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        b = ctx.input(1)
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * ctx.input(0) / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb
        # END SOLUTION


class Neg(Function):
    r"""$y = -a$; $\partial y/\partial a = -1$."""

    @staticmethod
    def forward(ctx: Node, a: np.ndarray) -> np.ndarray:
        return np.negative(a)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return -grad
        # END SOLUTION


class Pow(Function):
    r"""$y = a^b$; $\partial y/\partial a = b\,a^{b-1}$, $\partial y/\partial b = a^b \ln a$.

    As in PyTorch, the exponent's gradient is taken as 0 where $a = 0$ and $b \ge 0$
    (where $a^b \ln a$ is $0 \cdot (-\infty)$).
    """

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            return np.power(*promote(a, b))
        except ValueError:
            raise broadcast_error("pow", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        a, b = ctx.inputs
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, int | float):
                # $\partial a^0/\partial a = 0$, also at $a = 0$ where $0 \cdot 0^{-1}$ is nan
                ga = grad * 0.0 if b == 0 else grad * (b * a ** (b - 1))
            else:  # $a^{b-1}$ may be inf where $a = 0$; those entries are masked
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = grad * where(input_array(b) == 0, 0.0, b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            zero = (input_array(a) == 0) & (input_array(b) >= 0)
            with np.errstate(invalid="ignore"):  # $0 \cdot (-\infty)$, masked
                gb = grad * where(zero, 0.0, ctx.output * _log(a))
        return ga, gb
        # END SOLUTION


def _log(a: Any) -> Any:
    r"""$\ln a$: a tensor, or an array when $a$ is a constant; $-\infty$ at 0 without a warning."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(a, np.ndarray | np.generic | int | float):  # a constant
            return np.log(np.asarray(a, dtype=np.result_type(a, np.float32)))
        return Log.apply(a)


class MatMul(Function):
    r"""Batched matrix product $Y = AB$ (NumPy/PyTorch ``@`` semantics, 1-D and batches).

    $\partial L/\partial A = (\partial L/\partial Y)\,B^\top$ and
    $\partial L/\partial B = A^\top(\partial L/\partial Y)$, with batch axes broadcast
    (and summed back by the engine). A 1-D operand is a row (left) or column (right)
    vector whose added axis is removed from the result.
    """

    @staticmethod
    def forward(ctx: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a_shape, b_shape = np.shape(a), np.shape(b)
        if len(a_shape) == 0 or len(b_shape) == 0:
            raise ValueError(
                f"matmul: both operands need at least 1 dimension, got shapes {a_shape} and {b_shape}"
            )
        k_a = a_shape[-1]
        k_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
        if k_a != k_b:
            raise ValueError(
                f"matmul: shapes {a_shape} and {b_shape} are not aligned: "
                f"{k_a} (last dim of the first) != {k_b} "
                f"({'dim -2' if len(b_shape) > 1 else 'size'} of the second)"
            )
        ctx.ndims = (len(a_shape), len(b_shape))
        da = a.dtype if type(a) is np.ndarray else np.asarray(a).dtype
        db = b.dtype if type(b) is np.ndarray else np.asarray(b).dtype
        if da != db:  # PyTorch promotes nothing in a matrix product
            raise RuntimeError(
                f"matmul: expected both operands to have the same dtype, but got {da} and {db} "
                f"(shapes {a_shape} and {b_shape}); convert one with .to() / .astype()"
            )
        try:
            return np.matmul(a, b)
        except ValueError:
            raise ValueError(
                f"matmul: batch dimensions of shapes {a_shape} and {b_shape} cannot be broadcast"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        need_a, need_b = ctx.needs_input_grad
        # an operand that is a plain array is a constant: wrap it so it has .mT, .unsqueeze
        a = _as_operand(ctx.input(0), grad) if need_b else None
        b = _as_operand(ctx.input(1), grad) if need_a else None
        a_ndim, b_ndim = ctx.ndims
        ga = gb = None
        if a_ndim == 1 and b_ndim == 1:  # inner product: grad is a scalar
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a_ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            g = grad.unsqueeze(-2)  # (..., 1, m)
            if need_a:
                ga = (g @ b.mT).squeeze(-2)  # (..., k)
            if need_b:
                gb = a.unsqueeze(-1) @ g  # (..., k, m)
            return ga, gb
        if b_ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            g = grad.unsqueeze(-1)  # (..., n, 1)
            if need_a:
                ga = g @ b.unsqueeze(0)  # (..., n, k)
            if need_b:
                gb = (a.mT @ g).squeeze(-1)  # (..., k)
            return ga, gb
        if need_a:
            ga = grad @ b.mT  # (..., n, k)
        if need_b:
            gb = a.mT @ grad  # (..., k, m)
        return ga, gb
        # END SOLUTION


def _as_operand(x: Any, like: Any) -> Any:
    """``x`` as a tensor of ``like``'s class (a plain array operand becomes a constant)."""
    return x if isinstance(x, type(like)) else type(like)._make(np.asarray(x), False)
