r"""Tanh and its piecewise-linear cousin Hardtanh (and ReLU6, a Hardtanh on $[0, 6]$).

$\tanh x = \frac{e^x - e^{-x}}{e^x + e^{-x}} = 2\sigma(2x) - 1$, with $\tanh' = 1 - \tanh^2$.
Hardtanh clips to $[\text{min\_val}, \text{max\_val}]$; its derivative is 1 strictly
inside and 0 elsewhere (0 at the two corners, as PyTorch).

Where each backward lives: Tanh's in the engine,
:class:`~groundup.foundations.ops.elementwise.TanhFunction` (``x.tanh()``); Hardtanh's (and
ReLU6's) below, :class:`HardtanhFunction`.

>>> import numpy as np
>>> from groundup import Tensor
>>> Hardtanh()(Tensor(np.array([-3.0, 0.5, 3.0]))).tolist()
[-1.0, 0.5, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module

__all__ = ["Hardtanh", "ReLU6", "Tanh", "hardtanh", "relu6", "tanh"]


def tanh(input: Tensor) -> Tensor:
    r"""$\tanh x$ elementwise."""
    return input.tanh()


class Tanh(Module):
    r"""$y = \tanh x$. Shape: any."""

    def forward(self, input: Tensor) -> Tensor:
        return input.tanh()


class HardtanhFunction(Function):
    r"""$y = \min(\max(x, lo), hi)$; $y' = [lo < x < hi]$."""

    @staticmethod
    def forward(
        ctx: Node, x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0
    ) -> np.ndarray:
        # BEGIN SOLUTION
        ctx.inside = (x > min_val) & (x < max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad * ctx.inside  # the 0/1 mask (a product: faster than np.where)
        # END SOLUTION


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    r"""$\min(\max(x, \text{min\_val}), \text{max\_val})$."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val={min_val} must not exceed max_val={max_val}")
    return HardtanhFunction.apply(input, min_val=min_val, max_val=max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    r"""$\min(\max(x, 0), 6)$."""
    return HardtanhFunction.apply(input, min_val=0.0, max_val=6.0)


class Hardtanh(Module):
    r"""$y = \min(\max(x, \text{min\_val}), \text{max\_val})$ (``torch.nn.Hardtanh``)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val={min_val} must not exceed max_val={max_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return HardtanhFunction.apply(input, min_val=self.min_val, max_val=self.max_val)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class ReLU6(Hardtanh):
    r"""$y = \min(\max(x, 0), 6)$ (``torch.nn.ReLU6``)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""
