"""From token ids to text and back: what every task's reward needs.

The trainer calls ``reward_fn(prompts (B, P), completions (B, L), mask (B, L))`` with ids;
a task scores strings. :func:`text_reward_fn` adapts one to the other.

>>> import numpy as np
>>> from groundup.sequence.tokenizers import CharTokenizer
>>> tok = CharTokenizer("\\nab")
>>> decode_completions(tok, np.array([[1, 2, 0, 1]]), np.array([[1, 1, 1, 0]]))
['ab\\n']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["decode_completions", "encode_prompts", "text_reward_fn"]


def decode_completions(tokenizer: Any, completions: Any, mask: Any) -> list[str]:
    """The text of each completion row, its masked (padding) positions dropped."""
    o = np.asarray(completions)
    m = np.asarray(mask) > 0
    if o.shape != m.shape:
        raise ValueError(f"completions {o.shape} and mask {m.shape} must have one shape")
    return [tokenizer.decode(row[keep].tolist()) for row, keep in zip(o, m)]


def encode_prompts(tokenizer: Any, prompts: Sequence[str]) -> np.ndarray:
    """Equal-length prompt strings as ids, ``(B, P)`` int64."""
    lengths = {len(p) for p in prompts}
    if len(lengths) != 1:
        raise ValueError(f"prompts must all have one length, got lengths {sorted(lengths)}")
    return np.array([tokenizer.encode(p) for p in prompts], dtype=np.int64)


def text_reward_fn(
    tokenizer: Any, score: Callable[[list[str], list[str]], np.ndarray]
) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """``score(prompt_texts, completion_texts) -> (B,)`` as the trainer's ``reward_fn`` over ids."""

    def reward_fn(prompts: np.ndarray, completions: np.ndarray, mask: np.ndarray) -> np.ndarray:
        q = [tokenizer.decode(row.tolist()) for row in np.asarray(prompts)]
        return np.asarray(score(q, decode_completions(tokenizer, completions, mask)), float)

    return reward_fn
