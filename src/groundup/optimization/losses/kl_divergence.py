r"""Kullback-Leibler divergence, with PyTorch's argument order.

$$D_{\mathrm{KL}}(q \,\|\, p) = \sum_c q_c\,(\log q_c - \log p_c).$$

As ``torch.nn.functional.kl_div``, the *input* is $\log p$ (log-probabilities, e.g. from
``log_softmax``) and the *target* is $q$ (or $\log q$ with ``log_target=True``):

$$\ell = q\,(\log q - \log p) \quad(\text{with } 0 \log 0 = 0), \qquad
  \ell = e^{\log q}(\log q - \log p) \quad(\texttt{log\_target}).$$

``reduction="batchmean"`` ($\sum \ell / N$, $N$ the first dimension) is the mathematical
KL divergence averaged over the batch; ``"mean"`` divides by the number of *elements*
(PyTorch's default, kept for compatibility, rarely what is meant).

>>> import numpy as np
>>> from groundup import Tensor
>>> log_p = Tensor(np.log(np.array([[0.5, 0.5]])))
>>> q = np.array([[1.0, 0.0]])
>>> round(float(kl_div(log_p, q, reduction="batchmean")), 6)    # log 2
0.693147
"""

from __future__ import annotations

from typing import Any

from groundup.foundations.computational_graph import Tensor, where
from groundup.optimization.losses.loss import _Loss, as_tensor, check_reduction, check_same_shape

_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    r"""Pointwise $\ell = q(\log q - \log p)$, reduced.

    Parameters
    ----------
    input : Tensor of any shape
        $\log p$.
    target : Tensor or array, same shape
        $q$, or $\log q$ if ``log_target``.
    reduction : {"mean", "batchmean", "sum", "none"}
        ``"batchmean"``: $\sum\ell / N$ with $N$ = ``input.shape[0]``; ``"mean"``: over all
        elements.
    log_target : bool
        Whether ``target`` holds $\log q$.

    Returns
    -------
    Tensor
        A scalar, or the elementwise terms for ``"none"``.
    """
    fn = "kl_div"
    check_reduction(reduction, fn, _KL_REDUCTIONS)
    t = as_tensor(target, like=input)
    check_same_shape(input, t, fn)
    if log_target:
        # $\ell = e^{\log q}(\log q - \log p)$
        loss = t.exp() * (t - input)
    else:
        positive = t.data > 0
        # $q \log q$ with $0 \log 0 = 0$ (the log of a safe 1 where $q = 0$)
        q_log_q = where(positive, t * where(positive, t, 1.0).log(), 0.0)
        # $\ell = q\log q - q \log p$
        loss = q_log_q - t * input
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim > 0 else 1)
    return loss.mean()


class KLDivLoss(_Loss):
    r"""$\ell = q(\log q - \log p)$ on log-probabilities (``torch.nn.KLDivLoss``). See :func:`kl_div`."""

    _reductions = _KL_REDUCTIONS

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return kl_div(input, target, self.reduction, self.log_target)


__all__ = ["KLDivLoss", "kl_div"]
