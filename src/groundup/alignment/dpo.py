r"""DPO: preference optimisation without a reward model (Rafailov et al., 2023); IPO (Azar et al., 2023).

The KL-regularised RLHF objective has the closed-form optimum
$\pi^*(y|x) \propto \pi_\text{ref}(y|x)\,e^{r(x,y)/\beta}$, so a policy defines an
*implicit reward* $\hat r(x,y) = \beta\log\frac{\pi_\theta(y|x)}{\pi_\text{ref}(y|x)}$
(up to a function of $x$). Putting it into the Bradley–Terry likelihood of a
preferred $y_w$ over a rejected $y_l$ gives DPO's loss:

$$h = \log\frac{\pi_\theta(y_w|x)}{\pi_\text{ref}(y_w|x)} - \log\frac{\pi_\theta(y_l|x)}{\pi_\text{ref}(y_l|x)},\qquad
\mathcal L_\text{DPO} = -\log\sigma(\beta h).$$

$\log\pi(y|x)$ is the *sum* of the completion's token log-probabilities. At the start
($\pi_\theta = \pi_\text{ref}$) $h = 0$ and the loss is $\log 2$. IPO regresses $h$ onto a
fixed target instead, $\mathcal L_\text{IPO} = (h - \tfrac{1}{2\beta})^2$ (TRL's
``ipo``, which averages the log-probs over tokens; here the caller chooses).

Logged as TRL does: ``rewards/chosen`` $= \beta(\log\pi_\theta(y_w) - \log\pi_\text{ref}(y_w))$,
``rewards/rejected``, ``rewards/margins`` (their difference) and ``rewards/accuracies``
(the fraction with chosen > rejected).

>>> import numpy as np
>>> z = np.array([-3.0])
>>> loss, stats = dpo_loss(z, z, z, z)             # policy = reference
>>> round(float(loss.item()), 6), round(float(np.log(2)), 6)
(0.693147, 0.693147)
"""

from __future__ import annotations

from typing import Any

from groundup.alignment.kl import as_tensor, const
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.sigmoid import logsigmoid

__all__ = ["dpo_loss"]


def dpo_loss(
    chosen_logps: Any,
    rejected_logps: Any,
    ref_chosen_logps: Any,
    ref_rejected_logps: Any,
    beta: float = 0.1,
    loss_type: str = "sigmoid",
    label_smoothing: float = 0.0,
) -> tuple[Tensor, dict[str, float]]:
    r"""$\mathcal L = \operatorname{mean}\,[-\log\sigma(\beta h)]$ (``sigmoid``) or $(h - \frac1{2\beta})^2$ (``ipo``).

    Parameters
    ----------
    chosen_logps, rejected_logps : Tensor of shape ``(B,)``
        $\log\pi_\theta(y_w|x)$, $\log\pi_\theta(y_l|x)$: sums over completion tokens.
    ref_chosen_logps, ref_rejected_logps : ndarray of shape ``(B,)``
        The same under $\pi_\text{ref}$ (constants).
    beta : float
        $\beta$, the KL strength of the objective DPO solves.
    loss_type : ``"sigmoid"`` or ``"ipo"``
    label_smoothing : float
        cDPO's $\epsilon$: $-(1-\epsilon)\log\sigma(\beta h) - \epsilon\log\sigma(-\beta h)$.

    Returns
    -------
    loss : Tensor, scalar
    stats : dict with ``rewards/chosen``, ``rewards/rejected``, ``rewards/margins``,
        ``rewards/accuracies`` (batch means)
    """
    pw = as_tensor(chosen_logps)
    pl = as_tensor(rejected_logps, pw)
    rw, rl = const(ref_chosen_logps, pw), const(ref_rejected_logps, pw)
    shapes = {pw.shape, pl.shape, rw.shape, rl.shape}
    if len(shapes) != 1 or len(pw.shape) != 1:
        raise ValueError(
            "chosen_logps, rejected_logps, ref_chosen_logps and ref_rejected_logps must share "
            f"one shape (B,), got {pw.shape}, {pl.shape}, {rw.shape}, {rl.shape}"
        )
    if loss_type not in ("sigmoid", "ipo"):
        raise ValueError(f"loss_type must be 'sigmoid' or 'ipo', got {loss_type!r}")
    # BEGIN SOLUTION
    chosen_logratio = pw - rw  # (B,)  $\log\frac{\pi_\theta(y_w)}{\pi_\text{ref}(y_w)}$
    rejected_logratio = pl - rl  # (B,)
    # $h = \log\frac{\pi_\theta(y_w)}{\pi_\text{ref}(y_w)} - \log\frac{\pi_\theta(y_l)}{\pi_\text{ref}(y_l)}$
    h = chosen_logratio - rejected_logratio  # (B,)
    if loss_type == "sigmoid":
        # $-(1-\epsilon)\log\sigma(\beta h) - \epsilon\log\sigma(-\beta h)$
        losses = -(1.0 - label_smoothing) * logsigmoid(beta * h) - label_smoothing * logsigmoid(
            -beta * h
        )
    else:
        # IPO: $(h - \frac{1}{2\beta})^2$
        losses = (h - 1.0 / (2.0 * beta)) ** 2
    # END SOLUTION
    # implicit rewards $\hat r = \beta \log\frac{\pi_\theta}{\pi_\text{ref}}$
    r_w = beta * chosen_logratio.data
    r_l = beta * rejected_logratio.data
    stats = {
        "rewards/chosen": float(r_w.mean()),
        "rewards/rejected": float(r_l.mean()),
        "rewards/margins": float((r_w - r_l).mean()),
        "rewards/accuracies": float((r_w > r_l).mean()),
    }
    return losses.mean(), stats
