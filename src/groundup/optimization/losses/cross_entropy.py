r"""Cross-entropy and negative log-likelihood, for classification.

A classifier outputs *logits* $z \in \mathbb{R}^C$ per sample; softmax turns them into
probabilities $p_c = e^{z_c}/\sum_k e^{z_k}$. The cross-entropy between a target
distribution $q$ and $p$ is

$$H(q, p) = -\sum_c q_c \log p_c, \qquad
  \log p_c = z_c - \log\sum_k e^{z_k} \quad(\text{log-softmax}).$$

With a class index $y$ as target ($q$ one-hot), this is $-\log p_y$, the **negative
log-likelihood** of the true class. Computing $\log p$ with the fused, max-shifted
log-softmax keeps it finite for any logits ($z = 10^4$ would overflow $e^z$).

Options, as in PyTorch:

* ``weight`` $w \in \mathbb{R}^C$: sample $i$ counts $w_{y_i}$ times; the mean is then
  *weighted*, $\sum_i w_{y_i}\ell_i / \sum_i w_{y_i}$ over the non-ignored samples;
* ``ignore_index``: samples with this target contribute nothing (padding tokens);
* ``label_smoothing`` $\varepsilon$: the target becomes
  $(1-\varepsilon)\,\text{onehot}(y) + \varepsilon/C$, i.e. $\ell = (1-\varepsilon)(-w_y\log p_y) +
  \frac{\varepsilon}{C}\sum_c (-w_c \log p_c)$;
* probabilities as target (same shape as the input): $\ell = -\sum_c w_c\, q_c \log p_c$,
  and the mean divides by the number of samples;
* extra dimensions: input $(N, C, d_1, \dots)$ with target $(N, d_1, \dots)$ (one
  prediction per pixel or per token), class dimension 1; or a single sample $(C,)$.

>>> import numpy as np
>>> from groundup import Tensor
>>> logits = Tensor(np.array([[2.0, 0.0, 0.0], [0.0, 1e4, 0.0]]))
>>> round(float(cross_entropy(logits, np.array([0, 1]))), 6)  # (log(1 + 2e^{-2}) + 0) / 2
0.119772
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled
from groundup.foundations.computational_graph import Tensor, where
from groundup.optimization.losses.loss import _WeightedLoss, as_tensor, check_reduction


def _class_dim(input: Tensor, fn: str) -> int:
    """1 for ``(N, C, ...)``, 0 for a single sample ``(C,)``."""
    if input.ndim == 0:
        raise ValueError(f"{fn}: input must have a class dimension, got a 0-d tensor")
    return 0 if input.ndim == 1 else 1


def _weight_array(weight: Any, input: Tensor, C: int, fn: str) -> np.ndarray | None:
    """The class weights $w$ as an array of shape ``(C,)`` in the input's dtype."""
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.shape != (C,):
        raise ValueError(
            f"{fn}: weight must have shape (C,) = ({C},) for input of shape {tuple(input.shape)}, "
            f"got {w.shape}"
        )
    return w.astype(input.dtype, copy=False)


def _class_indices(
    target: Any, input: Tensor, ignore_index: int, fn: str
) -> tuple[np.ndarray, np.ndarray]:
    """Check integer targets; return them with ignored entries set to 0, and the ignore mask."""
    cd = _class_dim(input, fn)
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{fn}: expected class indices of integer dtype as target, got {y.dtype}")
    expected = input.shape[:cd] + input.shape[cd + 1 :]
    if y.shape != expected:
        raise ValueError(
            f"{fn}: target shape {y.shape} does not match input shape {tuple(input.shape)}: "
            f"expected class indices of shape {expected}"
            + (
                f" or class probabilities of shape {tuple(input.shape)}"
                if fn == "cross_entropy"
                else ""
            )
        )
    C = input.shape[cd]
    ignored = y == ignore_index
    bad = ~ignored & ((y < 0) | (y >= C))
    if bad.any():
        first = int(y[bad].flat[0])
        raise IndexError(
            f"{fn}: target index {first} is out of range for {C} classes "
            f"(valid: 0..{C - 1}, or ignore_index={ignore_index})"
        )
    return np.where(ignored, 0, y), ignored


def _broadcast_over_classes(w: np.ndarray, ndim: int, cd: int) -> np.ndarray:
    """$w$ of shape ``(C,)`` reshaped to ``(1, C, 1, ...)`` to multiply ``(N, C, d1, ...)``."""
    shape = [1] * ndim
    shape[cd] = w.shape[0]
    return w.reshape(shape)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    r"""Negative log-likelihood $\ell_i = -w_{y_i}\,\log p_{i, y_i}$ of log-probabilities.

    Parameters
    ----------
    input : Tensor of shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``
        Log-probabilities $\log p$ (e.g. from ``log_softmax``).
    target : integer array or Tensor of shape ``(N,)``, ``(N, d1, ...)`` or ``()``
        Class indices $y$ in ``[0, C)``, or ``ignore_index``.
    weight : array or Tensor of shape ``(C,)``, optional
        Class weights $w$ (default all 1).
    ignore_index : int
        Targets equal to it contribute 0 to the loss and to the weighted mean's denominator.
    reduction : {"mean", "sum", "none"}
        ``"mean"`` is $\sum_i \ell_i / \sum_i w_{y_i}$ over non-ignored samples.

    Returns
    -------
    Tensor
        A scalar, or the per-sample losses (target's shape) for ``"none"``.
    """
    fn = "nll_loss"
    check_reduction(reduction, fn)
    cd = _class_dim(input, fn)
    w = _weight_array(weight, input, input.shape[cd], fn)
    y, ignored = _class_indices(target, input, ignore_index, fn)
    return _nll(input, y, ignored, w, cd, reduction)


def _nll(
    log_p: Tensor, y: np.ndarray, ignored: np.ndarray, w: np.ndarray | None, cd: int, reduction: str
) -> Tensor:
    r"""$\ell_i = -w_{y_i}\log p_{i,y_i}$ on checked indices (``y`` is 0 where ``ignored``)."""
    # $\log p_{i, y_i}$
    # BEGIN SOLUTION
    log_p_y = log_p.gather(cd, np.expand_dims(y, cd)).squeeze(cd)  # target's shape
    # $w_{y_i}$, and 0 for ignored samples
    w_y = np.ones(y.shape, dtype=log_p.dtype) if w is None else w[y]
    w_y = np.where(ignored, 0, w_y).astype(log_p.dtype, copy=False)
    # $\ell_i = -w_{y_i} \log p_{i, y_i}$
    loss = -(log_p_y * w_y)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    # $\sum_i \ell_i / \sum_i w_{y_i}$
    return loss.sum() / w_y.sum()
    # END SOLUTION


class CrossEntropyFunction(Function):
    r"""Fused cross-entropy on class indices: log-softmax and the pick in one op.

    Forward, with $m = \max_k z_k$ (so no exponent is positive):
    $\log p_c = (z_c - m) - \log\sum_k e^{z_k - m}$ and $\ell = -w_y \log p_y$.
    Backward, the classic
    $\partial\ell/\partial z_c = w_y\,(p_c - [c = y])$: softmax minus one-hot.

    ``y`` (indices, 0 where ignored) and ``w_y`` (0 where ignored) have the target's
    shape; ``cd`` is the class dimension. The composite of :func:`_nll` and
    ``log_softmax`` computes the same (the tests check it); this saves a dozen graph nodes
    per call, which is most of the cost on a small batch.
    """

    @staticmethod
    def forward(
        ctx: Node, z: np.ndarray, y: Any = None, w_y: Any = None, cd: int = 1
    ) -> np.ndarray:
        # BEGIN SOLUTION
        shifted = z - z.max(axis=cd, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=cd, keepdims=True)
        # $\log p = (z - m) - \log\sum_k e^{z_k - m}$
        log_p = shifted - np.log(total)  # (N, C, d1, ...)
        ctx.p, ctx.y_idx, ctx.w_y, ctx.cd = e / total, np.expand_dims(y, cd), w_y, cd
        # $\ell = -w_y \log p_y$
        return -(w_y * np.take_along_axis(log_p, ctx.y_idx, axis=cd).squeeze(cd))
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        # BEGIN SOLUTION
        cd, y_idx = ctx.cd, ctx.y_idx
        if not is_grad_enabled():
            # $\partial\ell/\partial z_c = w_y (p_c - [c = y])$, on arrays
            d = ctx.p.copy()
            np.put_along_axis(d, y_idx, np.take_along_axis(d, y_idx, axis=cd) - 1, axis=cd)
            return Tensor._make(d * np.expand_dims(grad.data * ctx.w_y, cd), False)
        # create_graph: the same formula with p recomputed by a differentiable softmax
        onehot = np.zeros_like(ctx.p)
        np.put_along_axis(onehot, y_idx, 1, axis=cd)
        return (grad * ctx.w_y).unsqueeze(cd) * (ctx.inputs[0].softmax(dim=cd) - onehot)
        # END SOLUTION


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""Cross-entropy of logits against class indices or class probabilities.

    Parameters
    ----------
    input : Tensor of shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``
        Unnormalised logits $z$.
    target : array or Tensor
        Integer class indices of shape ``(N,)``, ``(N, d1, ...)`` or ``()`` (values in
        ``[0, C)`` or ``ignore_index``); or float probabilities $q$ of the input's shape.
    weight : array or Tensor of shape ``(C,)``, optional
        Class weights $w$.
    ignore_index : int
        With class indices: targets equal to it are left out.
    reduction : {"mean", "sum", "none"}
        With indices, ``"mean"`` is the weighted mean $\sum_i \ell_i/\sum_i w_{y_i}$; with
        probabilities, the sum divided by the number of samples $N d_1 \cdots$.
    label_smoothing : float
        $\varepsilon \in [0, 1]$: mix the target with the uniform distribution.

    Returns
    -------
    Tensor
        A scalar, or the per-sample losses (shape without the class dim) for ``"none"``.
    """
    fn = "cross_entropy"
    check_reduction(reduction, fn)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    cd = _class_dim(input, fn)
    C = input.shape[cd]
    w = _weight_array(weight, input, C, fn)
    eps = label_smoothing
    target_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    probabilities = np.issubdtype(target_dtype, np.floating)
    if not probabilities and eps == 0.0:
        # the common case, fused: $\ell_i = -w_{y_i} \log\mathrm{softmax}(z_i)_{y_i}$
        y, ignored = _class_indices(target, input, ignore_index, fn)
        w_y = np.ones(y.shape, dtype=input.dtype) if w is None else w[y]
        w_y = np.where(ignored, 0, w_y).astype(input.dtype, copy=False)
        loss = CrossEntropyFunction.apply(input, y=y, w_y=w_y, cd=cd)  # target's shape
        if reduction == "none":
            return loss
        # $\sum_i \ell_i$, or the weighted mean $\sum_i \ell_i / \sum_i w_{y_i}$
        return loss.sum() if reduction == "sum" else loss.sum() / w_y.sum()

    # $\log p = z - \log\sum_k e^{z_k}$ (fused and max-shifted: finite for any $z$)
    log_p = input.log_softmax(dim=cd)  # (N, C, d1, ...)

    if probabilities:
        return _cross_entropy_probabilities(
            log_p, as_tensor(target, like=input), w, cd, reduction, eps
        )

    y, ignored = _class_indices(target, input, ignore_index, fn)
    nll = _nll(log_p, y, ignored, w, cd, reduction)
    # Label smoothing: $\ell^{\text{smooth}}_i = -\sum_c w_c \log p_{i,c}$ (0 if ignored)
    weighted = log_p if w is None else log_p * _broadcast_over_classes(w, log_p.ndim, cd)
    smooth = where(ignored, 0.0, -weighted.sum(dim=cd))  # target's shape
    if reduction == "mean":
        # the same denominator as the weighted mean of the NLL term
        denom = float((~ignored).sum() if w is None else w[y][~ignored].sum())
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    # $\ell = (1-\varepsilon)\,\ell^{\text{NLL}} + \frac{\varepsilon}{C}\,\ell^{\text{smooth}}$
    return (1.0 - eps) * nll + (eps / C) * smooth


def _cross_entropy_probabilities(
    log_p: Tensor, q: Tensor, w: np.ndarray | None, cd: int, reduction: str, eps: float
) -> Tensor:
    r"""$\ell_i = -\sum_c w_c\, q_{i,c} \log p_{i,c}$ with $q \leftarrow (1-\varepsilon) q + \varepsilon/C$."""
    if tuple(q.shape) != tuple(log_p.shape):
        indices_shape = log_p.shape[:cd] + log_p.shape[cd + 1 :]
        hint = (
            " (class indices must have an integer dtype: use .long())"
            if tuple(q.shape) == indices_shape
            else ""
        )
        raise ValueError(
            f"cross_entropy: target probabilities of shape {tuple(q.shape)} do not match input "
            f"shape {tuple(log_p.shape)}: they must be equal{hint}"
        )
    C = log_p.shape[cd]
    if eps > 0:
        # $q \leftarrow (1-\varepsilon)\,q + \varepsilon / C$
        q = q * (1.0 - eps) + eps / C
    terms = log_p * q
    if w is not None:
        terms = terms * _broadcast_over_classes(w, log_p.ndim, cd)
    # $\ell_i = -\sum_c w_c q_{i,c} \log p_{i,c}$
    loss = -terms.sum(dim=cd)  # (N, d1, ...)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    # mean over samples $N d_1 \cdots$ (not over weights)
    return loss.sum() / (log_p.data.size // C)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross-entropy of logits (``torch.nn.CrossEntropyLoss``). See :func:`cross_entropy`.

    Parameters
    ----------
    weight : array or Tensor of shape ``(C,)``, optional
    ignore_index : int
    reduction : {"mean", "sum", "none"}
    label_smoothing : float
    """

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_WeightedLoss):
    r"""Negative log-likelihood of log-probabilities (``torch.nn.NLLLoss``). See :func:`nll_loss`."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


__all__ = ["CrossEntropyFunction", "CrossEntropyLoss", "NLLLoss", "cross_entropy", "nll_loss"]
