r"""The logistic sigmoid and its relatives: Sigmoid, LogSigmoid, Softplus, SiLU.

$\sigma(x) = 1/(1 + e^{-x})$, $\sigma'(x) = \sigma(x)(1 - \sigma(x))$. Its logarithm and
softplus are written so that nothing overflows (kernels in
:mod:`groundup.utils.math_utils`):

* $\log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})$, with
  $\frac{d}{dx}\log\sigma(x) = 1 - \sigma(x) = \sigma(-x)$;
* $\mathrm{softplus}(x) = \frac1\beta\log(1 + e^{\beta x})$, with derivative $\sigma(\beta x)$
  (and $x$ itself above ``threshold``, as PyTorch);
* $\mathrm{SiLU}(x) = x\,\sigma(x)$ ("swish"), with derivative
  $\sigma(x)\,(1 + x(1 - \sigma(x)))$.

Where each backward lives: Sigmoid's in the engine,
:class:`~groundup.foundations.ops.elementwise.SigmoidFunction` (``x.sigmoid()``); the others
below (:class:`LogSigmoidFunction`, :class:`SoftplusFunction`, :class:`SiLUFunction`).

>>> import numpy as np
>>> from groundup import Tensor
>>> LogSigmoid()(Tensor(np.array([-1000.0]))).tolist()  # naive log(1/(1+e^1000)) = -inf
[-1000.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.elementwise import where
from groundup.nn_core.module import Module
from groundup.utils import math_utils

__all__ = [
    "LogSigmoid",
    "SiLU",
    "Sigmoid",
    "Softplus",
    "logsigmoid",
    "sigmoid",
    "silu",
    "softplus",
]


def sigmoid(input: Tensor) -> Tensor:
    r"""$\sigma(x) = 1/(1 + e^{-x})$ elementwise."""
    return input.sigmoid()


class Sigmoid(Module):
    r"""$y = \sigma(x) = 1/(1 + e^{-x})$. Shape: any."""

    def forward(self, input: Tensor) -> Tensor:
        return input.sigmoid()


class LogSigmoidFunction(Function):
    r"""$y = \log\sigma(x)$; $y' = \sigma(-x)$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return math_utils.log_sigmoid(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        x = ctx.inputs[0]
        return grad * (-x).sigmoid()
        # END SOLUTION


def logsigmoid(input: Tensor) -> Tensor:
    r"""$\log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})$, stable for any $x$."""
    return LogSigmoidFunction.apply(input)


class LogSigmoid(Module):
    r"""$y = \log\sigma(x)$, computed stably. Shape: any."""

    def forward(self, input: Tensor) -> Tensor:
        return LogSigmoidFunction.apply(input)


class SoftplusFunction(Function):
    r"""$y = \frac1\beta\log(1 + e^{\beta x})$ ($x$ where $\beta x >$ threshold); $y' = \sigma(\beta x)$ (1 there)."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
        ctx.beta = beta
        ctx.linear = beta * x > threshold
        return math_utils.softplus(x, beta, threshold).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        x = ctx.inputs[0]
        return where(ctx.linear, grad, grad * (x * ctx.beta).sigmoid())
        # END SOLUTION


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""$\frac1\beta\log(1 + e^{\beta x})$, a smooth ReLU; linear where $\beta x >$ ``threshold``."""
    return SoftplusFunction.apply(input, beta=beta, threshold=threshold)


class Softplus(Module):
    r"""$y = \frac1\beta\log(1 + e^{\beta x})$ (``torch.nn.Softplus``)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return SoftplusFunction.apply(input, beta=self.beta, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLUFunction(Function):
    r"""$y = x\sigma(x)$; $y' = \sigma(x)(1 + x(1 - \sigma(x)))$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return x * math_utils.sigmoid(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        x = ctx.inputs[0]
        s = x.sigmoid()
        return grad * (s * (1.0 + x * (1.0 - s)))
        # END SOLUTION


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""$x\,\sigma(x)$ (SiLU, "swish")."""
    return SiLUFunction.apply(input)


class SiLU(Module):
    r"""$y = x\,\sigma(x)$ (``torch.nn.SiLU``)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return SiLUFunction.apply(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""
