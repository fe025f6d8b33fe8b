r"""Binary cross-entropy, on probabilities and (stably) on logits.

For a predicted probability $p \in [0, 1]$ and a target $y \in [0, 1]$:

$$\ell = -w\,\big[\,y \log p + (1 - y)\log(1 - p)\,\big].$$

``binary_cross_entropy`` takes $p$ and, as PyTorch, clamps each log at $-100$ so that
$p = 0$ or $1$ gives a large finite loss rather than ``inf``; its gradient is
$w(p - y)/\max(p(1-p), 10^{-12})$.

``binary_cross_entropy_with_logits`` takes the logit $x$ ($p = \sigma(x)$) and never forms
$p$: with $\log\sigma(x)$ computed stably and $\log(1 - \sigma(x)) = \log\sigma(x) - x$,

$$\ell = -w\,\big[\,\rho\, y \log\sigma(x) + (1-y)(\log\sigma(x) - x)\,\big]
      = w\,\big[(1 - y)\,x - (1 + (\rho - 1)\,y)\log\sigma(x)\big],$$

where $\rho$ (``pos_weight``) weighs the positive term, e.g.
$\rho = \#\text{negatives}/\#\text{positives}$ for an imbalanced class. It is finite for any
$x$ (for $x = -10^4$, $p$ itself would be 0 in floating point) and its gradient is the
familiar $w\,[(1 + (\rho-1) y)\,\sigma(x) - \rho y]$, $= w(\sigma(x) - y)$ when $\rho = 1$.

>>> import numpy as np
>>> from groundup import Tensor
>>> x = Tensor(np.array([1e4, -1e4, 0.0]))
>>> y = np.array([1.0, 1.0, 0.0])
>>> [round(v, 4) for v in binary_cross_entropy_with_logits(x, y, reduction="none").tolist()]
[0.0, 10000.0, 0.6931]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node
from groundup.foundations.computational_graph import Tensor, maximum
from groundup.nn_core.activations.sigmoid import logsigmoid
from groundup.optimization.losses.loss import (
    _Loss,
    _WeightedLoss,
    as_tensor,
    check_reduction,
    check_same_shape,
    reduce,
)

_LOG_MIN = -100.0  # PyTorch's clamp of log p
_EPS = 1e-12  # PyTorch's floor of p(1 - p) in the gradient


def _clamped_log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), _LOG_MIN)


class BinaryCrossEntropyFunction(Function):
    r"""$\ell = -[y \max(\log p, -100) + (1-y)\max(\log(1-p), -100)]$.

    $\partial\ell/\partial p = (p - y)/\max(p(1-p), 10^{-12})$;
    $\partial\ell/\partial y = \max(\log(1-p), -100) - \max(\log p, -100)$.
    """

    @staticmethod
    def forward(ctx: Node, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        # BEGIN SOLUTION
        ctx.log_p, ctx.log_1mp = _clamped_log(p), _clamped_log(1.0 - p)
        return -(y * ctx.log_p + (1.0 - y) * ctx.log_1mp)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        # BEGIN SOLUTION
        p, y = ctx.inputs
        gp = gy = None
        if ctx.needs_input_grad[0]:
            gp = grad * ((p - y) / maximum(p * (1.0 - p), _EPS))
        if ctx.needs_input_grad[1]:
            gy = grad * (ctx.log_1mp - ctx.log_p)
        return gp, gy
        # END SOLUTION


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    r"""Binary cross-entropy of probabilities: $\ell = -w[y\log p + (1-y)\log(1-p)]$.

    Parameters
    ----------
    input : Tensor of any shape
        Probabilities $p \in [0, 1]$ (e.g. a sigmoid's output). Prefer
        :func:`binary_cross_entropy_with_logits` on the logits: it is stable.
    target : Tensor or array, same shape
        Targets $y \in [0, 1]$.
    weight : Tensor or array, optional
        $w$, broadcastable to the input's shape.
    reduction : {"mean", "sum", "none"}

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses for ``"none"``.
    """
    fn = "binary_cross_entropy"
    check_reduction(reduction, fn)
    target = as_tensor(target, like=input)
    check_same_shape(input, target, fn)
    if input.data.size and (input.data.min() < 0 or input.data.max() > 1):
        raise ValueError(
            f"{fn}: all elements of input should be between 0 and 1, got values in "
            f"[{input.data.min():.4g}, {input.data.max():.4g}] (pass logits to "
            "binary_cross_entropy_with_logits instead)"
        )
    loss = BinaryCrossEntropyFunction.apply(input, target)
    if weight is not None:
        loss = loss * as_tensor(weight, like=input)
    return reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    r"""Binary cross-entropy of logits, $\ell = w[(1-y)x - (1 + (\rho-1)y)\log\sigma(x)]$.

    Parameters
    ----------
    input : Tensor of any shape
        Logits $x$.
    target : Tensor or array, same shape
        Targets $y \in [0, 1]$.
    weight : Tensor or array, optional
        $w$, broadcastable to the input's shape.
    reduction : {"mean", "sum", "none"}
    pos_weight : Tensor or array, optional
        $\rho$, the weight of positive examples, broadcastable to the input's shape
        (typically ``(C,)`` for ``C`` labels in the last dimension).

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses for ``"none"``.
    """
    fn = "binary_cross_entropy_with_logits"
    check_reduction(reduction, fn)
    y = as_tensor(target, like=input)
    check_same_shape(input, y, fn)
    # $\log\sigma(x)$, finite for any $x$
    log_sig = logsigmoid(input)
    if pos_weight is None:
        # $\ell = (1-y)x - \log\sigma(x)$
        loss = (1.0 - y) * input - log_sig
    else:
        rho = as_tensor(pos_weight, like=input)
        # $\ell = (1-y)x - (1 + (\rho - 1)y)\log\sigma(x)$
        loss = (1.0 - y) * input - (1.0 + (rho - 1.0) * y) * log_sig
    if weight is not None:
        loss = loss * as_tensor(weight, like=input)
    return reduce(loss, reduction)


class BCELoss(_WeightedLoss):
    r"""Binary cross-entropy of probabilities (``torch.nn.BCELoss``). See :func:`binary_cross_entropy`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    r"""Binary cross-entropy of logits (``torch.nn.BCEWithLogitsLoss``).

    See :func:`binary_cross_entropy_with_logits`; ``weight`` and ``pos_weight`` are buffers.
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BinaryCrossEntropyFunction",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]
