r"""The ``rev:`` task: reverse a word, a reasoning-style task with an exact-match reward.

A prompt is ``rev:WORD;`` left-padded with line breaks to a fixed length $P$ (the
sampler takes equal-length prompts); the answer is the reversed word and a line break,
``rev:cat;`` → ``tac\n``. The reward is exact match of the first line. A pretrained
character model has never seen the format, so the pass rate starts at 0 and GRPO has no
signal: a short SFT warm start on (prompt, answer) pairs comes first, stopped while the
pass rate is still well below 1 so that RL has something left to do.

The words are the lowercase words of the text (letters only); training and held-out
words are disjoint.

>>> reverse_prompt("cat", 9), "cat"[::-1]
('\nrev:cat;', 'tac')
>>> rev_reward(["tac\n", "tac", "tca\n"], ["tac", "tac", "tac"])
array([1., 0., 0.])
>>> word_list("The cat, the dog; a cat!", min_len=3, max_len=5)
['cat', 'dog', 'the']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.utils.seeding import make_rng

__all__ = ["rev_examples", "rev_reward", "reverse_prompt", "sft_batch", "word_list"]

PREFIX = "rev:"


def word_list(text: str, min_len: int = 3, max_len: int = 6) -> list[str]:
    """The distinct lowercase words of ``text`` (letters only) with ``min_len``..``max_len`` letters, sorted."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return sorted(w for w in words if min_len <= len(w) <= max_len)


def reverse_prompt(word: str, length: int) -> str:
    """``rev:WORD;`` left-padded with ``\\n`` to ``length`` characters."""
    body = f"{PREFIX}{word};"  # the vocabulary has no "="
    if len(body) > length:
        raise ValueError(f"prompt {body!r} is longer than length={length}")
    return "\n" * (length - len(body)) + body


def rev_reward(completions: Sequence[str], words_or_answers: Sequence[str]) -> np.ndarray:
    """1.0 where the completion is the answer followed by ``\\n`` (exact match of a whole line)."""
    if len(completions) != len(words_or_answers):
        raise ValueError(f"{len(completions)} completions but {len(words_or_answers)} answers")
    return np.array([float(c == a + "\n") for c, a in zip(completions, words_or_answers)])


def rev_examples(
    words: Sequence[str], n: int, prompt_length: int, generator: Any = None
) -> tuple[list[str], list[str]]:
    """``n`` (prompt, answer) string pairs, words drawn with replacement; answers end with ``\\n``."""
    rng = make_rng(generator)
    picks = [words[i] for i in rng.integers(0, len(words), size=n)]
    return [reverse_prompt(w, prompt_length) for w in picks], [w[::-1] + "\n" for w in picks]


def sft_batch(
    tokenizer: Any, prompts: Sequence[str], answers: Sequence[str], answer_length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids for supervised fine-tuning: prompts ``(B, P)``, answers ``(B, L)`` padded, mask ``(B, L)``.

    The SFT loss is the masked mean of $-\\log\\pi_\\theta$ over the answer tokens
    (:func:`groundup.alignment.policy.completion_logprobs`); the prompt is not trained on.
    """
    q = np.array([tokenizer.encode(p) for p in prompts], dtype=np.int64)  # (B, P)
    o = np.zeros((len(answers), answer_length), dtype=np.int64)  # (B, L)
    m = np.zeros((len(answers), answer_length))  # (B, L)
    for i, a in enumerate(answers):
        ids = tokenizer.encode(a)[:answer_length]
        o[i, : len(ids)], m[i, : len(ids)] = ids, 1.0
    return q, o, m
