r"""DAPO's three data-side changes (Yu et al., 2025, "DAPO: an open-source LLM RL system").

DAPO is GRPO with clip-higher ($\varepsilon_\text{low} = 0.2$, $\varepsilon_\text{high}
= 0.28$) and the token-level ``dapo`` aggregation (both in
:func:`groundup.alignment.grpo.grpo_loss`), plus three changes to which completions
count and how their length is rewarded:

* **Overlong filtering** — a completion cut by the length limit gets no loss (its
  mask row is zeroed): its reward says nothing about an answer it never finished.
* **Soft overlong punishment** — a length penalty that ramps in over the last
  $L_\text{cache}$ tokens before $L_\max$:

  $$R_\text{length}(y) = \begin{cases} 0 & |y| \le L_\max - L_\text{cache}\\
  \dfrac{(L_\max - L_\text{cache}) - |y|}{L_\text{cache}} & L_\max - L_\text{cache} < |y| \le L_\max\\
  -1 & L_\max < |y| \end{cases}$$

* **Dynamic sampling** — a group whose rewards are all equal has zero advantage and
  so zero gradient; keep only groups with $0 < \#\text{correct} < G$ and sample more
  prompts until the batch is full (the paper's ``max_num_gen_batches``).

>>> soft_overlong_punishment(np.array([50, 90, 110]), max_completion_length=100, cache_length=20)
array([ 0. , -0.5, -1. ])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dynamic_sampling_mask", "mask_truncated_completions", "soft_overlong_punishment"]


def soft_overlong_punishment(
    lengths: Any, max_completion_length: int, cache_length: int
) -> np.ndarray:
    r"""$R_\text{length}(|y|)$: 0, then a linear ramp to $-1$ over the last ``cache_length`` tokens.

    Parameters
    ----------
    lengths : int ndarray of shape ``(B,)``
        $|y|$, completion lengths in tokens.
    max_completion_length : int
        $L_\max$.
    cache_length : int
        $L_\text{cache}$, with $0 < L_\text{cache} \le L_\max$.

    Returns
    -------
    ndarray of shape ``(B,)``, float64, in $[-1, 0]$
    """
    if not 0 < cache_length <= max_completion_length:
        raise ValueError(
            f"cache_length must be in (0, max_completion_length={max_completion_length}], "
            f"got {cache_length}"
        )
    y = np.asarray(lengths, dtype=np.float64)
    # BEGIN SOLUTION
    start = max_completion_length - cache_length  # $L_\max - L_\text{cache}$
    # $((L_\max - L_\text{cache}) - |y|) / L_\text{cache}$ inside the cache, clipped to [-1, 0]
    return np.clip((start - y) / cache_length, -1.0, 0.0)  # (B,)
    # END SOLUTION


def mask_truncated_completions(mask: Any, truncated: Any) -> np.ndarray:
    """Overlong filtering: the completion mask with the rows of truncated completions zeroed.

    Parameters
    ----------
    mask : ndarray of shape ``(B, L)``
    truncated : bool ndarray of shape ``(B,)``
        Whether a completion hit the length limit without a stop token.

    Returns
    -------
    ndarray of shape ``(B, L)``, float64

    >>> mask_truncated_completions(np.ones((2, 2)), np.array([False, True]))
    array([[1., 1.],
           [0., 0.]])
    """
    m = np.asarray(mask, dtype=np.float64)
    t = np.asarray(truncated, dtype=bool)
    if t.shape != m.shape[:1]:
        raise ValueError(f"truncated must have shape ({m.shape[0]},), got {t.shape}")
    return m * ~t[:, None]


def dynamic_sampling_mask(rewards: Any, num_generations: int) -> np.ndarray:
    r"""Which completions to keep: those whose group's rewards are not all equal.

    Parameters
    ----------
    rewards : ndarray of shape ``(B,)``, grouped by ``num_generations``

    Returns
    -------
    bool ndarray of shape ``(B,)``

    >>> dynamic_sampling_mask(np.array([1.0, 1.0, 0.0, 1.0]), 2)
    array([False, False,  True,  True])
    """
    R = np.asarray(rewards, dtype=np.float64)
    G = int(num_generations)
    if R.ndim != 1 or G < 1 or R.size % G:
        raise ValueError(
            f"rewards must have shape (B,) with B a multiple of num_generations={G}, got {R.shape}"
        )
    grouped = R.reshape(-1, G)  # (B/G, G)
    # BEGIN SOLUTION
    # keep a group iff $\max R \ne \min R$ (its std is not zero)
    keep = ~np.isclose(grouped.max(axis=1), grouped.min(axis=1))  # (B/G,)
    # END SOLUTION
    return np.repeat(keep, G)
