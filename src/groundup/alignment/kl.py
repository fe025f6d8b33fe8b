r"""KL divergence between the policy and a reference, exactly and by Schulman's estimators.

RLHF keeps the policy $\pi_\theta$ near a reference $\pi_\text{ref}$ (the SFT model)
by penalising $\mathrm{KL}(\pi_\theta \,\|\, \pi_\text{ref})$. For a language model the
KL of a completion is a sum over its tokens of the per-token KL between the two
next-token distributions:

$$\mathrm{KL}_t = \sum_{v \in \mathcal V} \pi_\theta(v \mid s_t)
\,\bigl[\log \pi_\theta(v \mid s_t) - \log \pi_\text{ref}(v \mid s_t)\bigr].$$

With a 65-character vocabulary that sum is cheap (``exact_kl``). Large vocabularies
use one sample instead: the token $x = o_t \sim \pi_\theta$ that was generated, and
the ratio $r = \pi_\text{ref}(x)/\pi_\theta(x)$. Schulman ("Approximating KL
divergence", 2020) gives three estimators of $\mathrm{KL}(\pi_\theta\|\pi_\text{ref})$:

| estimator | formula | unbiased | sign |
|---|---|---|---|
| $k_1$ | $-\log r$ | yes | often negative |
| $k_2$ | $\tfrac12 (\log r)^2$ | no (low bias near 0) | $\ge 0$ |
| $k_3$ | $(r - 1) - \log r$ | yes | $\ge 0$ |

$k_3$ is unbiased because $\mathbb E_{x\sim\pi_\theta}[r - 1] = 0$, and non-negative
because $\log r \le r - 1$. GRPO's KL term is $k_3$; PPO-RLHF puts $k_1$ into the
reward; TRL logs $k_2$ as ``approxkl``. The *gradient* of an unbiased KL estimate is
not an unbiased estimate of the KL's gradient — the estimators estimate a value.

>>> import numpy as np
>>> logp = np.log(np.array([[0.5, 0.25]]))         # log pi_theta(o_t), (B=1, L=2)
>>> ref = np.log(np.array([[0.25, 0.5]]))          # log pi_ref(o_t): r = 1/2, 2
>>> kl_k1(logp, ref).numpy().round(4)               # -log r
array([[ 0.6931, -0.6931]])
>>> kl_k3(logp, ref).numpy().round(4)               # (r - 1) - log r
array([[0.1931, 0.3069]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor

__all__ = ["as_tensor", "exact_kl", "kl_estimators", "kl_k1", "kl_k2", "kl_k3"]


def as_tensor(x: Any, like: Any = None) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant Tensor of its values (in ``like``'s dtype if given)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(np.asarray(x, dtype=like.dtype if isinstance(like, Tensor) else None))


def const(x: Any, like: Tensor) -> np.ndarray:
    """A constant array in the dtype of ``like`` (a float64 constant would promote a float32 graph)."""
    return np.asarray(x, dtype=like.dtype)


def _log_ratio(logprobs: Any, ref_logprobs: Any) -> Tensor:
    if isinstance(ref_logprobs, Tensor) and not isinstance(logprobs, Tensor):
        logprobs = as_tensor(logprobs, ref_logprobs)
    logprobs = as_tensor(logprobs)
    ref_logprobs = as_tensor(ref_logprobs, logprobs)
    if logprobs.shape != ref_logprobs.shape:
        raise ValueError(
            f"logprobs has shape {logprobs.shape} but ref_logprobs has shape "
            f"{ref_logprobs.shape}: both are log-probabilities of the same tokens, (B, L)"
        )
    # $\log r = \log\pi_\text{ref}(x) - \log\pi_\theta(x)$
    return ref_logprobs - logprobs  # (B, L)


def kl_k1(logprobs: Any, ref_logprobs: Any) -> Tensor:
    r"""$k_1 = -\log r = \log\pi_\theta(x) - \log\pi_\text{ref}(x)$ per token.

    Parameters
    ----------
    logprobs : Tensor or ndarray of shape ``(B, L)``
        $\log\pi_\theta(o_t)$ of the sampled tokens (differentiable if a Tensor).
    ref_logprobs : Tensor or ndarray of shape ``(B, L)``
        $\log\pi_\text{ref}(o_t)$ of the same tokens.

    Returns
    -------
    Tensor of shape ``(B, L)``
    """
    log_r = _log_ratio(logprobs, ref_logprobs)
    # $k_1 = -\log r$
    return -log_r  # (B, L)


def kl_k2(logprobs: Any, ref_logprobs: Any) -> Tensor:
    r"""$k_2 = \tfrac12(\log r)^2$ per token (biased, low variance; TRL's ``approxkl``).

    Shapes as :func:`kl_k1`.
    """
    log_r = _log_ratio(logprobs, ref_logprobs)
    # $k_2 = \frac12 (\log r)^2$
    return 0.5 * log_r * log_r  # (B, L)


def kl_k3(logprobs: Any, ref_logprobs: Any) -> Tensor:
    r"""$k_3 = (r - 1) - \log r$ per token, $r = \pi_\text{ref}(x)/\pi_\theta(x)$ (GRPO's KL term).

    Unbiased and $\ge 0$. Shapes as :func:`kl_k1`.
    """
    # BEGIN SOLUTION
    log_r = _log_ratio(logprobs, ref_logprobs)
    # $k_3 = (r - 1) - \log r = e^{\log r} - \log r - 1$
    return log_r.exp() - log_r - 1.0  # (B, L)
    # END SOLUTION


def exact_kl(logits: Any, ref_logits: Any) -> Tensor:
    r"""Per-token $\mathrm{KL}(\pi_\theta(\cdot|s_t)\,\|\,\pi_\text{ref}(\cdot|s_t))$ summed over the vocabulary.

    Parameters
    ----------
    logits, ref_logits : Tensor or ndarray of shape ``(B, L, V)``
        Next-token logits of the policy and of the reference at the same positions.

    Returns
    -------
    Tensor of shape ``(B, L)``

    >>> import numpy as np
    >>> z = np.log(np.array([[[0.5, 0.5]]])); z_ref = np.log(np.array([[[0.25, 0.75]]]))
    >>> round(float(exact_kl(z, z_ref).item()), 4)    # .5 log 2 + .5 log(2/3)
    0.1438
    """
    logits = as_tensor(logits)
    ref_logits = as_tensor(ref_logits, logits)
    if logits.shape != ref_logits.shape:
        raise ValueError(
            f"logits has shape {logits.shape} but ref_logits has shape {ref_logits.shape}"
        )
    # BEGIN SOLUTION
    logp = logits.log_softmax(-1)  # (B, L, V)
    logq = ref_logits.log_softmax(-1)  # (B, L, V)
    # $\mathrm{KL}_t = \sum_v \pi_\theta(v)\,[\log\pi_\theta(v) - \log\pi_\text{ref}(v)]$
    return (logp.exp() * (logp - logq)).sum(-1)  # (B, L)
    # END SOLUTION


def kl_estimators(logprobs: Any, ref_logprobs: Any, mask: Any) -> dict[str, float]:
    """Masked token means of $k_1$, $k_2$, $k_3$, for logging beside the exact KL.

    >>> import numpy as np
    >>> kl_estimators(np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2)))
    {'kl_k1': 0.0, 'kl_k2': 0.0, 'kl_k3': 0.0}
    """
    m = np.asarray(mask, dtype=np.float64)
    n = max(m.sum(), 1.0)
    out = {}
    for name, fn in (("kl_k1", kl_k1), ("kl_k2", kl_k2), ("kl_k3", kl_k3)):
        out[name] = float((fn(logprobs, ref_logprobs).data * m).sum() / n)
    return out
