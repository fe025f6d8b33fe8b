r"""TRPO for the token policy (Schulman et al., 2015): a natural-gradient step inside a KL ball.

TRPO maximises the importance-weighted surrogate subject to a bound on the KL from the
policy that collected the data:

$$\max_\theta\ L(\theta) = \operatorname{mean}_t\Bigl[\frac{\pi_\theta(o_t|s_t)}{\pi_{\theta_\text{old}}(o_t|s_t)}\hat A_t\Bigr]
\quad\text{s.t.}\quad \bar D_\text{KL}(\theta) = \operatorname{mean}_t \mathrm{KL}\bigl(\pi_{\theta_\text{old}}(\cdot|s_t)\,\|\,\pi_\theta(\cdot|s_t)\bigr) \le \delta.$$

Linearising $L$ ($g = \nabla L$) and taking the KL to second order ($F = \nabla^2\bar
D_\text{KL}$, the Fisher matrix) gives the step $\Delta = \sqrt{2\delta / x^\top F x}\;x$
with $x = F^{-1}g$. $F$ is never formed: conjugate gradient needs only products $Fv$,
and $Fv = \nabla_\theta\bigl((\nabla_\theta\bar D_\text{KL})^\top v\bigr)$ is one double
backward through the engine. A backtracking line search then shrinks $\Delta$ by
$0.5^k$ until the *exact* KL (over the whole vocabulary, cheap for 65 characters) is
within $\delta$ and the surrogate improved by at least ``accept_ratio`` of the linear
prediction.

Implementation details: damping $F + 0.1I$ and 10 CG iterations (Stable-Baselines3's
zoo), backtracking $0.5^k$ for $k < 10$ with accept ratio 0.1 (ikostrikov's
pytorch-trpo), $\delta = 0.01$. The KL is the exact per-token KL, not a sample estimate.
``conjugate_gradient`` and ``fisher_vector_product`` are the environment agents'
(``groundup.rl.policy_gradient.trpo``), shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.alignment.kl import exact_kl
from groundup.foundations.autograd import grad, no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.rl.policy_gradient.trpo import conjugate_gradient, fisher_vector_product

__all__ = ["TRPOConfig", "conjugate_gradient", "fisher_vector_product", "surrogate", "trpo_step"]


@dataclass(frozen=True)
class TRPOConfig:
    """The trust region and its solver."""

    max_kl: float = 0.01
    r"""$\delta$, the bound on the mean per-token KL from the old policy."""
    damping: float = 0.1
    """Added to the Fisher matrix's diagonal (keeps CG stable)."""
    cg_iters: int = 10
    """Conjugate-gradient iterations (products with $F$)."""
    backtrack_iters: int = 10
    """Line-search trials."""
    backtrack_coef: float = 0.5
    """Each trial shrinks the step by this factor."""
    accept_ratio: float = 0.1
    """Accept a trial when actual / expected improvement exceeds this."""


def _flat(arrays: Sequence[Any]) -> np.ndarray:
    return np.concatenate([np.asarray(getattr(a, "data", a), np.float64).ravel() for a in arrays])


def _unflat(flat: np.ndarray, like: Sequence[Tensor]) -> list[np.ndarray]:
    pieces = np.split(flat, np.cumsum([p.data.size for p in like])[:-1])
    return [piece.reshape(p.shape).astype(p.dtype) for piece, p in zip(pieces, like)]


def surrogate(logprobs: Tensor, old_logprobs: Any, advantages: Any, mask: Any) -> Tensor:
    r"""$L = \operatorname{mean}_m\,\exp(\log\pi_\theta - \log\pi_{\theta_\text{old}})\hat A$; ``advantages`` ``(B,)`` or ``(B, L)``."""
    m = np.asarray(mask, dtype=logprobs.dtype)
    A = np.asarray(advantages, dtype=logprobs.dtype)
    if A.ndim == 1:
        A = A[:, None]
    ratio = (logprobs - np.asarray(old_logprobs, dtype=logprobs.dtype)).exp()  # (B, L)
    return (ratio * A * m).sum() / max(float(m.sum()), 1.0)


def _mean_kl(old_logits: np.ndarray, logits: Tensor, mask: np.ndarray) -> Tensor:
    # $\bar D_\text{KL} = \operatorname{mean}_m \mathrm{KL}(\pi_{\theta_\text{old}} \| \pi_\theta)$
    m = np.asarray(mask, dtype=logits.dtype)
    return (exact_kl(Tensor(old_logits.astype(logits.dtype)), logits) * m).sum() / max(
        float(m.sum()), 1.0
    )


def trpo_step(
    policy_fn: Callable[[], tuple[Tensor, Tensor]],
    params: Sequence[Tensor],
    old_logprobs: Any,
    old_logits: Any,
    advantages: Any,
    mask: Any,
    config: TRPOConfig = TRPOConfig(),
) -> dict[str, float]:
    r"""One TRPO update of ``params`` in place.

    Parameters
    ----------
    policy_fn : callable
        ``policy_fn() -> (logprobs (B, L), logits (B, L, V))`` at the current parameters
        (e.g. ``lambda: completion_logprobs(model, q, o)[::2]``).
    params : sequence of Tensor
        $\theta$, the trainable parameters.
    old_logprobs : ndarray of shape ``(B, L)``
    old_logits : ndarray of shape ``(B, L, V)``
        $\pi_{\theta_\text{old}}$'s logits at the same positions.
    advantages : ndarray of shape ``(B,)`` or ``(B, L)``
    mask : ndarray of shape ``(B, L)``
    config : TRPOConfig

    Returns
    -------
    dict with ``surrogate_before``, ``surrogate_after``, ``kl`` (exact, after the step),
    ``step_fraction`` ($0.5^k$ of the accepted trial, 0 if none) and ``cg_residual``.
    """
    params = [p for p in params if p.requires_grad]
    m = np.asarray(mask, dtype=np.float64)
    z_old = np.asarray(old_logits, dtype=np.float64)
    theta_old = _flat(params)
    logp, logits = policy_fn()
    L_old = surrogate(logp, old_logprobs, advantages, m)
    # BEGIN SOLUTION
    # $g = \nabla_\theta L$
    g = _flat(
        [
            np.zeros(p.shape) if h is None else h
            for h, p in zip(grad(L_old, params, retain_graph=True, allow_unused=True), params)
        ]
    )
    Fv = fisher_vector_product(_mean_kl(z_old, logits, m), params, config.damping)
    # $x = F^{-1} g$ by conjugate gradient
    x = conjugate_gradient(Fv, g, config.cg_iters)
    xFx = float(x @ Fv(x))
    stats = {
        "surrogate_before": float(L_old.item()),
        "cg_residual": float(np.linalg.norm(Fv(x) - g)),
    }
    if not np.isfinite(xFx) or xFx <= 0 or not np.any(g):
        stats.update(surrogate_after=stats["surrogate_before"], kl=0.0, step_fraction=0.0)
        return stats
    # $\Delta = \sqrt{2\delta / x^\top F x}\;x$
    full_step = np.sqrt(2.0 * config.max_kl / xFx) * x
    expected = float(g @ full_step)
    for k in range(config.backtrack_iters):
        frac = config.backtrack_coef**k
        _assign(params, theta_old + frac * full_step)
        with no_grad():
            logp_new, logits_new = policy_fn()
            L_new = float(surrogate(logp_new, old_logprobs, advantages, m).item())
            kl = float(_mean_kl(z_old, logits_new, m).item())
        improve = L_new - stats["surrogate_before"]
        if (
            kl <= config.max_kl
            and improve > 0
            and improve / (expected * frac) > config.accept_ratio
        ):
            stats.update(surrogate_after=L_new, kl=kl, step_fraction=frac)
            return stats
    # END SOLUTION
    _assign(params, theta_old)
    stats.update(surrogate_after=stats["surrogate_before"], kl=0.0, step_fraction=0.0)
    return stats


def _assign(params: Sequence[Tensor], flat: np.ndarray) -> None:
    for p, piece in zip(params, _unflat(flat, params)):
        p.data[...] = piece
