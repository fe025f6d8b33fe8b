r"""GELU, the Gaussian error linear unit of BERT and GPT: $\mathrm{GELU}(x) = x\,\Phi(x)$.

$\Phi(x) = P(Z \le x)$ for $Z \sim \mathcal N(0, 1)$ weighs each input by how likely it is
to be "kept"; unlike ReLU's hard gate the weight is smooth. Two forms, as PyTorch:

* exact (``approximate="none"``): $\Phi(x) = \frac12\,\mathrm{erfc}(-x/\sqrt2)$, and
  $\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)$ with $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$;
* tanh (``approximate="tanh"``, GPT-2's):
  $\frac12 x\,(1 + \tanh u)$ with $u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$, and derivative
  $\frac12(1 + \tanh u) + \frac12 x\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)$.

NumPy has no ``erf``: :func:`~groundup.nn_core.activations.erfc.erfc` provides one.

Where the backward lives: below, :class:`GELUFunction` (both forms, written with engine ops,
so a second derivative works).

>>> import numpy as np
>>> from groundup import Tensor
>>> round(GELU()(Tensor(np.array([1.0]))).item(), 6)
0.841345
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.erfc import erfc
from groundup.nn_core.module import Module

__all__ = ["GELU", "gelu", "normal_cdf"]


class NormalCDF(Function):
    r"""$\Phi(x) = \frac12\mathrm{erfc}(-x/\sqrt2)$; $\Phi'(x) = \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray) -> np.ndarray:
        return _cdf(x)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad * _normal_pdf(ctx.inputs[0])


def _cdf(x: np.ndarray) -> np.ndarray:
    # $\Phi(x) = \frac12\mathrm{erfc}(-x/\sqrt2)$
    precision = "single" if x.dtype == np.float32 else "double"
    return (0.5 * erfc(-x / math.sqrt(2.0), precision)).astype(x.dtype)


def _normal_pdf(x: Tensor) -> Tensor:
    # $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$
    return (x * x * -0.5).exp() * (1.0 / math.sqrt(2.0 * math.pi))


def normal_cdf(input: Tensor) -> Tensor:
    r"""$\Phi(x)$, the standard normal CDF, differentiable."""
    return NormalCDF.apply(input)


_K = 0.044715
_C = math.sqrt(2.0 / math.pi)


class GELUFunction(Function):
    r"""$y = x\Phi(x)$ (or its tanh approximation); the derivatives are in the module docstring."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, approximate: str = "none") -> np.ndarray:
        ctx.approximate = approximate
        # BEGIN SOLUTION
        if approximate == "tanh":
            # $u = \sqrt{2/\pi}(x + 0.044715 x^3)$
            u = _C * (x + _K * x * x * x)
            return (0.5 * x * (1.0 + np.tanh(u))).astype(x.dtype, copy=False)
        ctx.cdf = _cdf(x)  # kept for backward
        return x * ctx.cdf
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        x = ctx.inputs[0]
        # BEGIN SOLUTION
        if ctx.approximate == "tanh":
            t = ((x + x * x * x * _K) * _C).tanh()
            # $\frac12(1+t) + \frac12 x(1-t^2)\sqrt{2/\pi}(1 + 3k x^2)$
            dy = (1.0 + t) * 0.5 + x * (1.0 - t * t) * (0.5 * _C) * (1.0 + x * x * (3 * _K))
            return grad * dy
        # $\Phi(x) + x\varphi(x)$; under create_graph $\Phi$ must be a recorded op of $x$
        cdf = NormalCDF.apply(x) if is_grad_enabled() else Tensor._make(ctx.cdf, False)
        return grad * (cdf + x * _normal_pdf(x))
        # END SOLUTION


def _check_approximate(approximate: str) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    r"""$x\Phi(x)$; ``approximate="tanh"`` for $\frac12 x(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3)))$."""
    _check_approximate(approximate)
    return GELUFunction.apply(input, approximate=approximate)


class GELU(Module):
    r"""$y = x\,\Phi(x)$ (``torch.nn.GELU``); ``approximate="tanh"`` for GPT-2's form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        _check_approximate(approximate)
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return GELUFunction.apply(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"
