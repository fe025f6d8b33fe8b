r"""The lipogram task: continue a text with one line of at least three words and no ``e``.

A verifiable reward (RLVR): $R(o) = 1$ if the completion is a whole line (it ends with
``\n`` inside the length limit), has $\ge 3$ words and no ``e``/``E``, else $0$. About 3%
of the lines of Shakespeare's plays with three words or more pass, so a pretrained
character model starts with a small but non-zero pass rate: the group advantage of GRPO
has signal. The rule can be gamed as any other: runs of non-words without an ``e`` pass.

Prompts are windows of the text that end at a line break and are followed by a spoken
line (not a speaker's name, not a blank line); the training prompts come from the
training text and the held-out prompts from the validation text.

>>> lipogram_reward(["Hold, good sir, stay\n", "the end of it\n", "Hold, good sir"])
array([1., 0., 0.])
>>> lipogram_prompts("A\nB\nGo to, thy lord is at hand\nX\n" * 3, length=6, n=2, generator=0)
['X\nA\nB\n', 'X\nA\nB\n']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.alignment.rewards import lipogram
from groundup.utils.seeding import make_rng

__all__ = ["lipogram_prompts", "lipogram_reward"]


def lipogram_reward(
    completions: Sequence[str], letter: str = "e", min_words: int = 3, stop: str = "\n"
) -> np.ndarray:
    """1.0 for a completion that is a whole line (ends with ``stop``) of ``min_words``+ words without ``letter``."""
    ended = np.array([stop in c for c in completions], dtype=float)
    return ended * lipogram(completions, letter=letter, min_words=min_words, stop=stop)


def _line_starts(text: str) -> np.ndarray:
    """Offsets just after each ``\\n`` whose following line is spoken text of 3+ words."""
    starts, pos = [], 0
    for line in text.split("\n"):
        if pos > 0 and len(line.split()) >= 3 and not line.rstrip().endswith(":"):
            starts.append(pos)
        pos += len(line) + 1
    return np.array(starts, dtype=np.int64)


def lipogram_prompts(text: str, length: int, n: int, generator: Any = None) -> list[str]:
    """``n`` prompts of ``length`` characters from ``text``, each ending with ``\\n`` before a spoken line.

    Drawn with replacement, uniformly over the qualifying line starts.
    """
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    starts = _line_starts(text)
    starts = starts[starts >= length]
    if len(starts) == 0:
        raise ValueError(f"text has no spoken line preceded by {length} characters")
    rng = make_rng(generator)
    picks = rng.choice(starts, size=n)
    return [text[s - length : s] for s in picks]
