r"""Elementwise functions and their derivatives.

Each derivative is written with tensor operations (the saved output where that is
cheaper, as $\frac{d}{dx}e^x = e^x$), so it can itself be differentiated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.ops.promotion import broadcast_error, input_array, promote
from groundup.utils.math_utils import sigmoid as _np_sigmoid


class Exp(Function):
    r"""$y = e^x$; $y' = e^x = y$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad * ctx.output
        # END SOLUTION


class Log(Function):
    r"""$y = \ln x$; $y' = 1/x$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return np.log(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad / ctx.input(0)
        # END SOLUTION


class Sqrt(Function):
    r"""$y = \sqrt{x}$; $y' = 1/(2\sqrt{x}) = 1/(2y)$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad / (2.0 * ctx.output)
        # END SOLUTION


class StdSqrt(Function):
    r"""$\sigma = \sqrt{v}$ of a variance; $\sigma' = 1/(2\sigma)$, taken as 0 where $\sigma = 0$.

    PyTorch's ``std`` backward: a constant slice has no direction to move in, so its
    gradient is 0, not the $0 \cdot \infty$ = nan of the plain square root's rule.
    """

    @staticmethod
    def forward(ctx: Node, v: np.ndarray) -> np.ndarray:
        return np.sqrt(v)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        y = ctx.output
        zero = input_array(y) == 0
        # divide by 1 where masked, so no inf reaches the graph of higher derivatives
        return where(zero, 0.0, grad / (2.0 * where(zero, 1.0, y)))


class Abs(Function):
    r"""$y = |x|$; $y' = \operatorname{sign}(x)$ (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        ctx.sign = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad * ctx.sign
        # END SOLUTION


class TanhFunction(Function):
    r"""$y = \tanh x$; $y' = 1 - \tanh^2 x = 1 - y^2$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        y = ctx.output
        return grad * (1.0 - y * y)
        # END SOLUTION


class SigmoidFunction(Function):
    r"""$\sigma(x) = 1/(1+e^{-x})$, $\sigma'(x) = \sigma(x)(1-\sigma(x))$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return _np_sigmoid(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        y = ctx.output
        return grad * (y * (1.0 - y))
        # END SOLUTION


class ReLUFunction(Function):
    r"""$y = \max(0, x)$; $y' = [x > 0]$ (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0)
        ctx.mask = out > 0
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # A product with the 0/1 mask rather than np.where: branch-free, many times faster
        # on a random mask (it differs only where the incoming gradient is inf or nan).
        # BEGIN SOLUTION
        return grad * ctx.mask
        # END SOLUTION


class Maximum(Function):
    r"""$y = \max(a, b)$; the gradient goes to the larger input, split evenly on ties."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            return np.maximum(*promote(a, b))
        except ValueError:
            raise broadcast_error("maximum", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        a, b = (input_array(x) for x in ctx.inputs)
        # weight of a: 1 where a > b, 1/2 where a == b, 0 where a < b
        w = (np.greater(a, b) + 0.5 * np.equal(a, b)).astype(grad.dtype)
        return grad * w, grad * (1.0 - w)
        # END SOLUTION


class Minimum(Function):
    r"""$y = \min(a, b)$; the gradient goes to the smaller input, split evenly on ties."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> np.ndarray:
        try:
            return np.minimum(*promote(a, b))
        except ValueError:
            raise broadcast_error("minimum", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        a, b = (input_array(x) for x in ctx.inputs)
        w = (np.less(a, b) + 0.5 * np.equal(a, b)).astype(grad.dtype)
        return grad * w, grad * (1.0 - w)
        # END SOLUTION


class Where(Function):
    r"""$y = c \,?\, a : b$ elementwise; the gradient is routed by the (constant) condition."""

    @staticmethod
    def forward(ctx: Node, cond: np.ndarray, a: Any, b: Any) -> np.ndarray:
        ctx.cond = np.asarray(cond, dtype=bool)
        try:
            return np.where(ctx.cond, *promote(a, b))
        except ValueError:
            shapes = ", ".join(str(np.shape(v)) for v in (cond, a, b))
            raise ValueError(
                f"where: condition, input and other of shapes {shapes} cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[None, Any, Any]:
        # BEGIN SOLUTION
        need_a, need_b = ctx.needs_input_grad[1:]
        ga = where(ctx.cond, grad, 0.0) if need_a else None
        gb = where(ctx.cond, 0.0, grad) if need_b else None
        return None, ga, gb
        # END SOLUTION


def where(condition: Any, input: Any, other: Any) -> Any:
    """``input`` where ``condition`` holds, else ``other`` (``torch.where``); differentiable in both."""
    return Where.apply(input_array(condition), input, other)


def maximum(input: Any, other: Any) -> Any:
    r"""Elementwise $\max$ (``torch.maximum``); ties split the gradient."""
    return Maximum.apply(input, other)


def minimum(input: Any, other: Any) -> Any:
    r"""Elementwise $\min$ (``torch.minimum``); ties split the gradient."""
    return Minimum.apply(input, other)


class Clip(Function):
    r"""$y = \min(\max(x, lo), hi)$; $y' = [lo \le x \le hi]$ (as ``torch.clamp``)."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, min: Any = None, max: Any = None) -> np.ndarray:
        mask = np.ones(x.shape, dtype=bool)
        if min is not None:
            mask &= x >= min
        if max is not None:
            mask &= x <= max
        ctx.mask = mask
        return np.clip(x, min, max).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad * ctx.mask  # the 0/1 mask, as in ReLUFunction above
        # END SOLUTION
