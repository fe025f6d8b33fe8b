r"""GELU, the Gaussian error linear unit of BERT and GPT: $\mathrm{GELU}(x) = x\,\Phi(x)$.

$\Phi(x) = P(Z \le x)$ for $Z \sim \mathcal N(0, 1)$ weighs each input by how likely it is
to be "kept"; unlike ReLU's hard gate the weight is smooth. Two forms, as PyTorch:

* exact (``approximate="none"``): $\Phi(x) = \frac12\,\mathrm{erfc}(-x/\sqrt2)$, and
  $\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)$ with $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$;
* tanh (``approximate="tanh"``, GPT-2's):
  $\frac12 x\,(1 + \tanh u)$ with $u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$, and derivative
  $\frac12(1 + \tanh u) + \frac12 x\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)$.

NumPy has no ``erf``, so :func:`erfc` is computed here, to about $10^{-12}$ relative
error, from two classical expansions (Abramowitz & Stegun 7.1.6 and 7.1.14).

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
from groundup.nn_core.module import Module

__all__ = ["GELU", "erfc", "gelu", "normal_cdf"]

# $c_n = 1/(2n+1)!! = 1/(1 \cdot 3 \cdot 5 \cdots (2n+1))$, the series coefficients
_SERIES_COEF = np.cumprod(np.concatenate([[1.0], 1.0 / np.arange(3.0, 2 * 48, 2)]))
# (upper end of a band of |z|, number of series terms), and continued-fraction terms, that
# reach a relative error of 1e-12 (double) or 1e-9 (enough for float32 results)
_SERIES_BANDS = {
    "double": ((0.5, 14), (1.5, 28), (2.5, 46)),
    "single": ((0.5, 8), (1.5, 18), (2.5, 32)),
}
_CF_TERMS = {"double": 25, "single": 16}


def _erfc_series(a: np.ndarray, n_terms: int) -> np.ndarray:
    r"""$\mathrm{erfc}(a) = 1 - \frac{2}{\sqrt\pi} a e^{-a^2}\sum_{n\ge0} \frac{(2a^2)^n}{(2n+1)!!}$ (A&S 7.1.6).

    Every term is positive (no cancellation inside the sum); Horner's rule in $u = 2a^2$.
    """
    u = 2.0 * a * a
    p = np.full_like(a, _SERIES_COEF[n_terms - 1])
    for k in range(n_terms - 2, -1, -1):
        p *= u
        p += _SERIES_COEF[k]
    return 1.0 - (2.0 / math.sqrt(math.pi)) * a * np.exp(-a * a) * p


def _erfc_continued_fraction(a: np.ndarray, n_terms: int) -> np.ndarray:
    r"""$\mathrm{erfc}(a) = \frac{e^{-a^2}}{\sqrt\pi}\,\cfrac{1}{a + \cfrac{1/2}{a + \cfrac{1}{a + \cfrac{3/2}{a + \cdots}}}}$ (A&S 7.1.14), for $a \ge 2.5$."""
    f = a.copy()
    for k in range(n_terms, 0, -1):
        f = a + (k / 2.0) / f
    return np.exp(-a * a) / (math.sqrt(math.pi) * f)


def erfc(z: Any, precision: str = "double") -> np.ndarray:
    r"""The complementary error function $\mathrm{erfc}(z) = \frac{2}{\sqrt\pi}\int_z^\infty e^{-t^2}dt$, elementwise.

    Computed in float64 to a relative error of about $10^{-12}$, or $10^{-9}$ with
    ``precision="single"`` (fewer terms: for float32 results). $\mathrm{erfc}(-z) = 2 -
    \mathrm{erfc}(z)$ handles negative $z$.

    >>> erfc(np.array([0.0, 1.0])).round(10).tolist()
    [1.0, 0.1572992071]
    """
    z = np.asarray(z, dtype=np.float64)
    a = np.abs(z)
    out = np.empty_like(a)
    lo = 0.0
    for hi, n_terms in _SERIES_BANDS[precision]:
        band = (a >= lo) & (a < hi)
        out[band] = _erfc_series(a[band], n_terms)
        lo = hi
    tail = ~(a < lo)  # also routes nan here, where it stays nan
    out[tail] = _erfc_continued_fraction(a[tail], _CF_TERMS[precision])
    neg = z < 0
    out[neg] = 2.0 - out[neg]
    return out


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
        if approximate == "tanh":
            # $u = \sqrt{2/\pi}(x + 0.044715 x^3)$
            u = _C * (x + _K * x * x * x)
            return (0.5 * x * (1.0 + np.tanh(u))).astype(x.dtype, copy=False)
        ctx.cdf = _cdf(x)  # kept for backward
        return x * ctx.cdf

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        x = ctx.inputs[0]
        if ctx.approximate == "tanh":
            t = ((x + x * x * x * _K) * _C).tanh()
            # $\frac12(1+t) + \frac12 x(1-t^2)\sqrt{2/\pi}(1 + 3k x^2)$
            dy = (1.0 + t) * 0.5 + x * (1.0 - t * t) * (0.5 * _C) * (1.0 + x * x * (3 * _K))
            return grad * dy
        # $\Phi(x) + x\varphi(x)$; under create_graph $\Phi$ must be a recorded op of $x$
        cdf = NormalCDF.apply(x) if is_grad_enabled() else Tensor._make(ctx.cdf, False)
        return grad * (cdf + x * _normal_pdf(x))


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
