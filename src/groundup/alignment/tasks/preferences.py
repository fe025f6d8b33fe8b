r"""Synthetic preference data: pairs of samples labelled by a scorer with Bradley–Terry noise.

Gao et al. (2022) replace human labellers by a fixed *gold* scorer $g$: two completions
$y_1, y_2$ of one prompt are compared and $y_1 \succ y_2$ is drawn with probability

$$P(y_1 \succ y_2) = \sigma\bigl((g(y_1) - g(y_2))/T\bigr),$$

so labels are noisy where the scores are close. A proxy reward model trained on such
pairs can at best reach the *noise ceiling*, the accuracy of the gold scorer itself on
the noisy labels, $\operatorname{mean}\,\max(p, 1 - p)$ in expectation.

The scorer is an argument: this module never imports a gold scorer.

>>> import numpy as np
>>> chosen_first, p = bradley_terry_labels(np.array([2.0, 0.0]), np.array([0.0, 0.0]), 0.5, generator=0)
>>> p.round(3)
array([0.982, 0.5  ])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.utils.seeding import make_rng

__all__ = ["bradley_terry_labels", "noise_ceiling", "sample_pairs"]


def bradley_terry_labels(
    scores_1: Any, scores_2: Any, temperature: float = 1.0, generator: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Noisy labels: whether $y_1 \succ y_2$ ``(N,)`` bool, and $P(y_1 \succ y_2)$ ``(N,)``."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    g1, g2 = np.asarray(scores_1, float), np.asarray(scores_2, float)
    if g1.shape != g2.shape:
        raise ValueError(f"scores_1 {g1.shape} and scores_2 {g2.shape} must have one shape")
    # $P(y_1 \succ y_2) = \sigma((g_1 - g_2)/T)$
    p = 1.0 / (1.0 + np.exp(-(g1 - g2) / temperature))  # (N,)
    return make_rng(generator).random(p.shape) < p, p


def noise_ceiling(p_first: Any) -> float:
    r"""Expected accuracy of the gold scorer itself on the noisy labels: $\operatorname{mean}\max(p, 1-p)$."""
    p = np.asarray(p_first, float)
    return float(np.maximum(p, 1 - p).mean())


def sample_pairs(
    policy: Any, prompts: np.ndarray, max_new_tokens: int, **kwargs: Any
) -> tuple[Any, Any]:
    """Two completions of each prompt row from ``policy`` (a :class:`~groundup.alignment.policy.Policy`)."""
    s = policy.sample(np.repeat(prompts, 2, axis=0), max_new_tokens, **kwargs)
    return (
        (s.completions[0::2], s.mask[0::2]),
        (s.completions[1::2], s.mask[1::2]),
    )
