r"""The rectifier family: ReLU, LeakyReLU, PReLU, ELU.

All four are the identity for $x > 0$ and differ only on the negative side:

| name | $x \le 0$ | derivative there |
|------|-----------|------------------|
| ReLU | $0$ | $0$ |
| LeakyReLU | $a x$ (fixed slope $a$) | $a$ |
| PReLU | $a_c x$ (slope $a_c$ learned per channel) | $a_c$; $\partial y/\partial a_c = x$ |
| ELU | $\alpha(e^x - 1)$ | $\alpha e^x = y + \alpha$ |

At $x = 0$ the derivative is taken from the negative side, as PyTorch does.
Where each backward lives: ReLU's in the engine, :class:`~groundup.foundations.ops.elementwise.ReLUFunction`
(``x.relu()``); LeakyReLU's and ELU's below (:class:`LeakyReLUFunction`, :class:`ELUFunction`);
PReLU is composed of engine ops (``where``, ``*``), so autograd derives its backward.

>>> import numpy as np
>>> from groundup import Tensor
>>> LeakyReLU(0.1)(Tensor(np.array([-2.0, 3.0]))).tolist()
[-0.2, 3.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.elementwise import where
from groundup.nn_core.module import Module, Parameter

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "elu", "leaky_relu", "prelu", "relu"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""$\max(0, x)$ elementwise. ``inplace`` is accepted for PyTorch compatibility and ignored."""
    return input.relu()


class ReLU(Module):
    r"""$y = \max(0, x)$. Shape: any; output has the input's shape."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return input.relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLUFunction(Function):
    r"""$y = x$ if $x > 0$ else $a x$; $y' = 1$ if $x > 0$ else $a$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
        # BEGIN SOLUTION
        # $y' = 1$ where $x > 0$, else $a$: kept as an array, so $y = y' x$ and $\bar x = y' g$
        ctx.slope = np.where(x > 0, 1.0, negative_slope).astype(x.dtype)
        return x * ctx.slope
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad * ctx.slope  # a product, not np.where: branch-free and several times faster
        # END SOLUTION


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    r"""$x$ for $x > 0$, $a x$ otherwise (``a = negative_slope``)."""
    return LeakyReLUFunction.apply(input, negative_slope=negative_slope)


class LeakyReLU(Module):
    r"""$y = x$ for $x > 0$, $a x$ otherwise, with a fixed slope $a$ (``negative_slope``)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return LeakyReLUFunction.apply(input, negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    r"""$x$ for $x > 0$, $a_c x$ otherwise, with $a_c$ = ``weight[c]`` for channel $c$ (axis 1).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, *)`` (or ``(C,)``, or any shape when ``weight`` has one element)
    weight : Tensor of shape ``(C,)`` or ``(1,)``
    """
    n = weight.shape[0] if weight.ndim else 1
    if n != 1:
        channel_axis = 1 if input.ndim >= 2 else 0
        if input.ndim == 0 or input.shape[channel_axis] != n:
            raise ValueError(
                f"prelu: weight has {n} parameters but input of shape {input.shape} has "
                f"{input.shape[channel_axis] if input.ndim else 0} channels (axis {channel_axis})"
            )
        # $a_c$ broadcast along the channel axis: (C, 1, ..., 1)
        weight = weight.reshape((n,) + (1,) * (input.ndim - channel_axis - 1))
    # BEGIN SOLUTION
    positive = input.data > 0
    return where(positive, input, input * weight)
    # END SOLUTION


class PReLU(Module):
    r"""LeakyReLU with a learned slope: one $a$ shared (``num_parameters=1``) or one per channel.

    ``weight`` of shape ``(num_parameters,)`` starts at ``init`` (0.25, as PyTorch).
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, dtype: Any = np.float32
    ) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def forward(self, input: Tensor) -> Tensor:
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELUFunction(Function):
    r"""$y = x$ if $x > 0$ else $\alpha(e^x - 1)$; $y' = 1$ if $x > 0$ else $\alpha e^x = y + \alpha$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
        # BEGIN SOLUTION
        ctx.positive = x > 0
        ctx.alpha = alpha
        # expm1 keeps $e^x - 1$ accurate for small |x|; np.minimum avoids overflow where unused
        return np.where(ctx.positive, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return where(ctx.positive, grad, grad * (ctx.output + ctx.alpha))
        # END SOLUTION


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""$x$ for $x > 0$, $\alpha(e^x - 1)$ otherwise."""
    return ELUFunction.apply(input, alpha=alpha)


class ELU(Module):
    r"""$y = x$ for $x > 0$, $\alpha(e^x - 1)$ otherwise: smooth, saturating at $-\alpha$."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return ELUFunction.apply(input, alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")
