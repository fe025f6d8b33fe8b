"""Character-level tokenizer: one token per distinct character of the training text.

The simplest tokenizer, the one of the GPT-on-Shakespeare milestone: the vocabulary is
the sorted set of characters seen in training, so ids are stable for the same text.

>>> tok = CharTokenizer.train("hello")
>>> tok.encode("hole"), tok.decode([1, 3, 2])
([1, 3, 2, 0], 'hol')
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from groundup.utils.atomic_io import atomic_write

__all__ = ["CharTokenizer"]


class CharTokenizer:
    """Maps each character of a fixed alphabet to an id and back.

    Parameters
    ----------
    chars : iterable of str
        The alphabet, in id order (one character each, no repeats).
    """

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = list(chars)
        # BEGIN SOLUTION
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        # END SOLUTION
        if len(self.stoi) != len(self.chars) or any(len(c) != 1 for c in self.chars):
            raise ValueError("CharTokenizer: chars must be distinct single characters")

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        """The tokenizer whose alphabet is the sorted set of characters of ``text``."""
        # BEGIN SOLUTION
        return cls(sorted(set(text)))
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Ids of the characters of ``text``; an unknown character is an error naming it."""
        try:
            # BEGIN SOLUTION
            return [self.stoi[c] for c in text]
            # END SOLUTION
        except KeyError as e:
            pos = next(i for i, c in enumerate(text) if c not in self.stoi)
            raise ValueError(
                f"CharTokenizer.encode: character {e.args[0]!r} at position {pos} is not in the "
                f"vocabulary of {self.vocab_size} characters"
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``; an id outside the vocabulary names the id and the vocabulary size."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise IndexError(
                    f"CharTokenizer.decode: token id {i} is outside the vocabulary of size {self.vocab_size}"
                )
            # BEGIN SOLUTION
            out.append(self.chars[i])
            # END SOLUTION
        return "".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "char", "chars": self.chars}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CharTokenizer:
        return cls(d["chars"])

    def save(self, path: str | Path) -> None:
        """Write the alphabet as JSON (atomically: never a half-written file)."""
        atomic_write(path, json.dumps(self.to_dict(), ensure_ascii=False))

    @classmethod
    def load(cls, path: str | Path) -> CharTokenizer:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
