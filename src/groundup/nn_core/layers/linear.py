r"""The affine layer $y = xW^\top + b$, and the shape-only layers around it.

`Linear` is the building block of every MLP: ``in_features`` inputs, ``out_features``
outputs, weight of shape ``(out_features, in_features)`` as in PyTorch (so the product is
with $W^\top$). Its forward and backward are one fused `Function` (one GEMM forward, two
backward), since it runs in every step of every network:

$$y = xW^\top + b,\qquad
\frac{\partial L}{\partial x} = g W,\qquad
\frac{\partial L}{\partial W} = g^\top x,\qquad
\frac{\partial L}{\partial b} = \textstyle\sum_n g_n,$$

with $g = \partial L/\partial y$ and the batch axes of $x$ and $g$ flattened into one.

`Identity`, `Flatten` and `Unflatten` only move values. (`Embedding`, a `Linear` applied
to one-hot vectors without building them, is in ``embedding.py``.)

>>> import numpy as np
>>> from groundup import Tensor
>>> layer = Linear(3, 2, generator=np.random.default_rng(0))
>>> layer(Tensor(np.ones((4, 3), dtype=np.float32))).shape
(4, 2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.module import Module, Parameter
from groundup.utils.seeding import make_rng

__all__ = ["Flatten", "Identity", "Linear", "Unflatten", "linear"]


class LinearFunction(Function):
    r"""$y = xW^\top + b$; $\bar x = gW$, $\bar W = g^\top x$, $\bar b = \sum_n g_n$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, weight: np.ndarray, bias: Any = None) -> np.ndarray:
        if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
            raise ValueError(
                f"linear: input of shape {x.shape} does not match weight of shape {weight.shape}: "
                f"the last dimension of the input must be in_features={weight.shape[-1]}"
            )
        # BEGIN SOLUTION
        # $y = x W^\top$ (one GEMM), then $+ b$ in place on the fresh result
        y = np.matmul(x, weight.T)  # (*, out)
        if bias is not None:
            y += bias
        return y
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any, Any]:
        x, weight, _ = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = weight.shape
        # BEGIN SOLUTION
        g2 = grad.reshape(-1, out_features)  # (N, out), batch axes flattened
        # $\bar x = g W$
        gx = grad @ weight if need_x else None  # (*, in)
        # $\bar W = g^\top x$
        gw = g2.T @ x.reshape(-1, in_features) if need_w else None  # (out, in)
        # $\bar b = \sum_n g_n$
        gb = g2.sum(0) if need_b else None  # (out,)
        return gx, gw, gb
        # END SOLUTION


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""$y = xW^\top + b$ (``torch.nn.functional.linear``).

    Parameters
    ----------
    input : Tensor of shape ``(*, in_features)``
    weight : Tensor of shape ``(out_features, in_features)``
    bias : Tensor of shape ``(out_features,)``, optional

    Returns
    -------
    Tensor of shape ``(*, out_features)``
    """
    return LinearFunction.apply(input, weight, bias)


class Linear(Module):
    r"""Affine map $y = xW^\top + b$ (``torch.nn.Linear``).

    Initialised as PyTorch: $W, b \sim U(-1/\sqrt{n_\text{in}}, 1/\sqrt{n_\text{in}})$
    (``kaiming_uniform_(a=sqrt(5))`` for the weight).

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the last axis of the input and of the output.
    bias : bool
        Whether to add the learnable bias $b$.
    dtype : numpy dtype
        Of the parameters (float32 by default).
    generator : np.random.Generator, optional
        For the initial values (the library's default generator when omitted).

    Shapes: input ``(*, in_features)``, output ``(*, out_features)``; ``weight`` is
    ``(out_features, in_features)``, ``bias`` is ``(out_features,)``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear: in_features and out_features must be non-negative, "
                f"got in_features={in_features}, out_features={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        rng = make_rng(generator)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: Tensor) -> Tensor:
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flatten axes ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: ``(N, 12) -> (N, 3, 4)``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        d = self.dim % input.ndim
        size = self.unflattened_size
        known = int(np.prod([s for s in size if s != -1]))
        if (-1 not in size and known != input.shape[d]) or (known and input.shape[d] % known):
            raise ValueError(
                f"Unflatten: dimension {self.dim} of size {input.shape[d]} (input shape "
                f"{input.shape}) cannot be unflattened into {size}"
            )
        return input.reshape(input.shape[:d] + size + input.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
