r"""Inverted dropout: zero each activation with probability $p$ while training.

With a mask $m_i \sim \mathrm{Bernoulli}(1 - p)$,

$$y_i = \frac{m_i\,x_i}{1 - p}, \qquad \frac{\partial L}{\partial x_i} = \frac{m_i}{1 - p}\,\frac{\partial L}{\partial y_i}.$$

Dividing by $1 - p$ at training time keeps $\mathbb E[y_i] = x_i$, so evaluation needs
no rescaling: in ``eval()`` mode dropout is the identity. A network trained with dropout
cannot rely on any single unit, which is why it regularises (Srivastava et al., 2014).

`Dropout2d` drops whole channels (one mask value per $(n, c)$), for convolutional maps
whose neighbouring pixels are too correlated for elementwise dropout to do much.

Masks are drawn from a ``np.random.Generator``: the module's own if one was given,
otherwise the library's default generator (which ``groundup.manual_seed`` seeds).

>>> import numpy as np
>>> from groundup import Tensor
>>> d = Dropout(0.5, generator=np.random.default_rng(0))
>>> y = d(Tensor(np.ones(8)))
>>> sorted(set(y.tolist()))  # each unit is 0 or 1/(1-p)
[0.0, 2.0]
>>> d.eval()(Tensor(np.ones(2))).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module
from groundup.utils.seeding import make_rng

__all__ = ["Dropout", "Dropout2d", "dropout", "dropout2d"]


class DropoutFunction(Function):
    r"""$y = x \odot s$ with the fixed scaled mask $s = m/(1-p)$; $\bar x = g \odot s$."""

    @staticmethod
    def forward(ctx: Node, x: np.ndarray, scaled_mask: np.ndarray | None = None) -> np.ndarray:
        # BEGIN SOLUTION
        ctx.scaled_mask = scaled_mask
        return x * scaled_mask
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        return grad * ctx.scaled_mask
        # END SOLUTION


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got p={p}")


def _scaled_mask(
    shape: tuple[int, ...], p: float, dtype: Any, generator: np.random.Generator | None
) -> np.ndarray:
    dtype = np.dtype(dtype) if np.issubdtype(np.dtype(dtype), np.floating) else np.dtype(np.float32)
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    # BEGIN SOLUTION
    # $m_i = [u_i \ge p]$ with $u_i \sim U[0, 1)$, so $P(m_i = 1) = 1 - p$; then $s = m/(1-p)$
    u = make_rng(generator).random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    return (u >= p) * np.asarray(1.0 / (1.0 - p), dtype=dtype)
    # END SOLUTION


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    r"""Zero each element with probability ``p`` and scale the rest by $1/(1-p)$; identity unless ``training``.

    ``inplace`` is accepted for PyTorch compatibility and ignored. Output shape: the input's.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    return DropoutFunction.apply(
        input, scaled_mask=_scaled_mask(input.shape, p, input.dtype, generator)
    )


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    r"""Zero whole channels of an ``(N, C, H, W)`` (or ``(C, H, W)``) input with probability ``p``."""
    _check_p(p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D or 4-D input, got shape {input.shape}")
    if not training or p == 0.0:
        return input
    lead = input.ndim - 2  # (N, C) or (C,)
    shape = input.shape[:lead] + (1, 1)
    return DropoutFunction.apply(input, scaled_mask=_scaled_mask(shape, p, input.dtype, generator))


class Dropout(Module):
    r"""Inverted dropout with drop probability ``p`` (``torch.nn.Dropout``); identity in ``eval()``.

    Parameters
    ----------
    p : float
        Probability of zeroing each element, in $[0, 1]$.
    generator : np.random.Generator, optional
        Source of the masks; the library's default generator when omitted.
    """

    def __init__(
        self, p: float = 0.5, inplace: bool = False, generator: np.random.Generator | None = None
    ) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    r"""Channel dropout (``torch.nn.Dropout2d``): each $(n, c)$ feature map is kept or zeroed whole."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training, generator=self.generator)
