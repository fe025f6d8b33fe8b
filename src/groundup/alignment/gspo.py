r"""GSPO: one importance ratio per sequence (Zheng et al., 2025, "Group Sequence Policy Optimization").

GRPO clips each token's ratio $r_{i,t}$; the reward, though, belongs to the whole
sequence. GSPO uses the length-normalised sequence ratio — the geometric mean of the
token ratios —

$$s_i(\theta) = \Bigl(\frac{\pi_\theta(o_i|q)}{\pi_{\theta_\text{old}}(o_i|q)}\Bigr)^{1/|o_i|}
= \exp\Bigl(\frac{1}{|o_i|}\sum_t \log r_{i,t}\Bigr),$$

and clips it once per sequence: $\ell_i = -\min(s_i\hat A_i,
\operatorname{clip}(s_i, 1-\varepsilon_\text{low}, 1+\varepsilon_\text{high})\hat A_i)$,
averaged as ``grpo`` (one term per sequence). Because $s_i$ is a geometric mean, its
clip range is tiny: the paper uses $\varepsilon = 3\cdot10^{-4}$, $4\cdot10^{-4}$.

**GSPO-token** lets advantages differ per token while keeping the sequence ratio's
value: $s_{i,t} = \operatorname{sg}[s_i]\cdot\pi_\theta(o_{i,t})/\operatorname{sg}[\pi_\theta(o_{i,t})]$.
Its value is $s_i$ at every token; its gradient is that of a per-token ratio, scaled
by $s_i$. With one advantage per sequence it equals GSPO (value and gradient).

>>> import numpy as np
>>> from groundup import Tensor
>>> logp = Tensor(np.log(np.array([[0.5, 0.2, 0.9]])))
>>> old = np.log(np.array([[0.25, 0.2, 0.9]]))
>>> float(sequence_log_ratio(logp, old, np.array([[1.0, 1.0, 0.0]])).exp().item())  # sqrt(2 * 1)
1.414213562373095
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.alignment.kl import as_tensor, const
from groundup.foundations.computational_graph import Tensor

__all__ = ["sequence_log_ratio"]


def sequence_log_ratio(logprobs: Any, old_logprobs: Any, mask: Any, token: bool = False) -> Tensor:
    r"""$\log s_i = \sum_t m_{i,t}\log r_{i,t} / \sum_t m_{i,t}$ (GSPO), or GSPO-token's $\log s_{i,t}$.

    Parameters
    ----------
    logprobs : Tensor of shape ``(B, L)``
        $\log\pi_\theta(o_{i,t})$.
    old_logprobs : ndarray of shape ``(B, L)``
        $\log\pi_{\theta_\text{old}}(o_{i,t})$.
    mask : ndarray of shape ``(B, L)``
    token : bool
        GSPO-token: $\log s_{i,t} = \operatorname{sg}[\log s_i] + \log\pi_\theta(o_{i,t})
        - \operatorname{sg}[\log\pi_\theta(o_{i,t})]$.

    Returns
    -------
    Tensor of shape ``(B, 1)`` (GSPO) or ``(B, L)`` (GSPO-token)
    """
    logprobs = as_tensor(logprobs)
    m = const(mask, logprobs)
    # BEGIN SOLUTION
    log_r = (logprobs - const(old_logprobs, logprobs)) * m  # (B, L)
    # $\log s_i = \frac{1}{|o_i|}\sum_t \log r_{i,t}$ (a sequence of no tokens counts as length 1)
    log_s = log_r.sum(-1, keepdim=True) / np.maximum(m.sum(-1, keepdims=True), 1.0)  # (B, 1)
    if not token:
        return log_s
    # $\log s_{i,t} = \operatorname{sg}[\log s_i] + \log\pi_\theta(o_{i,t}) - \operatorname{sg}[\log\pi_\theta(o_{i,t})]$
    return log_s.detach() + logprobs - logprobs.detach()  # (B, L)
    # END SOLUTION
