r"""Verifiable (rule-based) rewards: plain functions of the completion text.

RL with verifiable rewards (RLVR; DeepSeek-R1, Tülu 3) replaces the learned reward
model by a program that checks the answer: exact match, a format rule, a length
penalty. Each function here takes a list of completion strings (and, where needed,
the references) and returns an ndarray of shape ``(B,)`` — the signature of TRL's
``reward_funcs``. Rule rewards can be gamed as any other (a lipogram of non-words, a
rhyme made by repeating the word), so each has a test of what it accepts.

>>> exact_match(["tac\n", "cat\n"], ["tac", "tac"])
array([1., 0.])
>>> lipogram(["Hold, no man", "the end"])             # a line with no 'e'
array([1., 0.])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["exact_match", "lipogram", "repetition_penalty", "stop_format"]


def exact_match(completions: Sequence[str], answers: Sequence[str], stop: str = "\n") -> np.ndarray:
    """1.0 where the completion, cut at the first ``stop``, equals the answer."""
    if len(completions) != len(answers):
        raise ValueError(f"{len(completions)} completions but {len(answers)} answers")
    return np.array([float(c.split(stop, 1)[0] == a) for c, a in zip(completions, answers)])


def lipogram(
    completions: Sequence[str], letter: str = "e", min_words: int = 2, stop: str = "\n"
) -> np.ndarray:
    """1.0 for a line (up to ``stop``) of at least ``min_words`` words without ``letter`` in either case."""
    out = []
    for c in completions:
        line = c.split(stop, 1)[0]
        out.append(float(len(line.split()) >= min_words and letter.lower() not in line.lower()))
    return np.array(out)


def stop_format(completions: Sequence[str], stop: str = "\n") -> np.ndarray:
    """1.0 where the completion ended with the stop string (it was not cut by the length limit)."""
    return np.array([float(stop in c) for c in completions])


def repetition_penalty(completions: Sequence[str], n: int = 3) -> np.ndarray:
    r"""$-(1 - \#\text{distinct } n\text{-grams}/\#n\text{-grams})$ over words (TRL's form); 0 if too short.

    >>> repetition_penalty(["a b a b a b", "a b c d"])
    array([-0.5,  0. ])
    """
    out = []
    for c in completions:
        words = c.split()
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        out.append(len(set(grams)) / len(grams) - 1.0 if grams else 0.0)
    return np.array(out)
