r"""Byte-level byte-pair encoding (Sennrich et al., 2016; GPT-2's byte-level variant).

Text is UTF-8 bytes, so the 256 byte values are the first tokens and *any* string can be
encoded (no unknown token). Training repeats one step until the vocabulary is full:

1. count every adjacent pair of tokens in the training text (weighted by how often
   each pre-split chunk occurs);
2. merge the most frequent pair $(a, b)$ into a new token $a{+}b$ (ties: the smallest
   pair, so training is deterministic).

Encoding applies the learned merges to each chunk in the order they were learned
(lowest rank first); decoding concatenates the tokens' bytes.

Before counting, the text is split into chunks by GPT-2's pattern, so a merge never
crosses a word/number/punctuation boundary ("dog." and "dog!" share "dog")::

    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+

or GPT-4's (``GPT4_SPLIT_PATTERN``: digits in groups of at most three, case-insensitive
contractions). Both are written for the ``regex`` package, as tiktoken's are: the
standard library's ``re`` has no Unicode classes such as ``\p{L}`` (letters) and
``\p{N}`` (numbers).

Special tokens (``"<|endoftext|>"``) get ids after the merges and are never split.
``encode`` follows tiktoken's contract: a special token in the text raises a
``ValueError`` unless it is allowed (``allowed_special={"<|endoftext|>"}`` or ``"all"``),
because text from users must not be able to inject control tokens; with
``disallowed_special=()`` it is encoded as ordinary text.

>>> tok = ByteBPETokenizer.train("low lower lowest " * 20, vocab_size=260)
>>> tok.decode(tok.encode("lowest low")) == "lowest low"
True
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import regex

from groundup.utils.atomic_io import atomic_write

__all__ = ["GPT2_SPLIT_PATTERN", "GPT4_SPLIT_PATTERN", "ByteBPETokenizer"]

#: GPT-2's pre-split pattern (its ``encoder.py``; tiktoken's ``gpt2`` encoding), for ``regex``.
GPT2_SPLIT_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)
#: GPT-4's pre-split pattern (tiktoken's ``cl100k_base``).
GPT4_SPLIT_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""


def _merge(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """``ids`` with every non-overlapping occurrence of ``pair`` (left to right) replaced by ``new``."""
    # BEGIN SOLUTION
    out, i, n = [], 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
    # END SOLUTION


def _special_regex(tokens: Iterable[str]) -> regex.Pattern:
    """One capturing alternation of ``tokens``, longest first (so a prefix never wins)."""
    escaped = (regex.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return regex.compile("(" + "|".join(escaped) + ")")


class ByteBPETokenizer:
    """A byte-level BPE tokenizer: ``train``, ``encode``, ``decode``, ``save``/``load``.

    Parameters
    ----------
    merges : list of (int, int)
        The learned merges in order; merge $r$ creates token $256 + r$.
    special_tokens : dict of str to int, optional
        Extra tokens with their ids (after the merges).
    pattern : str
        The pre-split regular expression.
    """

    def __init__(
        self,
        merges: Iterable[tuple[int, int]] = (),
        special_tokens: dict[str, int] | None = None,
        pattern: str = GPT2_SPLIT_PATTERN,
    ) -> None:
        self.merges = [tuple(m) for m in merges]
        self.ranks = {pair: r for r, pair in enumerate(self.merges)}
        # BEGIN SOLUTION
        # the bytes of every token: 256 single bytes, then each merge's concatenation
        self.vocab: list[bytes] = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        # END SOLUTION
        self.special_tokens = dict(special_tokens or {})
        self.inverse_special = {i: s for s, i in self.special_tokens.items()}
        self.pattern = pattern
        self._split = regex.compile(pattern)
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab) + len(self.special_tokens)

    # ------------------------------------------------------------------ training
    @classmethod
    def train(
        cls,
        text: str,
        vocab_size: int,
        special_tokens: Iterable[str] = (),
        pattern: str = GPT2_SPLIT_PATTERN,
    ) -> ByteBPETokenizer:
        """Learn ``vocab_size - 256 - len(special_tokens)`` merges from ``text`` (deterministic).

        Stops early if no pair occurs twice any more.
        """
        specials = list(special_tokens)
        n_merges = vocab_size - 256 - len(specials)
        if n_merges < 0:
            raise ValueError(
                f"vocab_size={vocab_size} is smaller than the 256 bytes plus {len(specials)} special tokens"
            )
        # BEGIN SOLUTION
        # each distinct chunk once, with its count: merges are counted per chunk type
        chunks = Counter(regex.findall(pattern, text))
        words = [list(w.encode("utf-8")) for w in chunks]
        counts = list(chunks.values())
        merges: list[tuple[int, int]] = []
        for r in range(n_merges):
            pairs: Counter[tuple[int, int]] = Counter()
            for w, c in zip(words, counts):
                for pair in itertools.pairwise(w):
                    pairs[pair] += c
            if not pairs:
                break
            # the most frequent pair; ties go to the smallest pair
            best = min(pairs, key=lambda p: (-pairs[p], p))
            if pairs[best] < 2:
                break
            merges.append(best)
            words = [_merge(w, best, 256 + r) if len(w) > 1 else w for w in words]
        # END SOLUTION
        first_special = 256 + len(merges)
        return cls(merges, {s: first_special + i for i, s in enumerate(specials)}, pattern)

    # ------------------------------------------------------------------ encode / decode
    def _encode_chunk(self, chunk: str) -> list[int]:
        if chunk in self._cache:
            return self._cache[chunk]
        # BEGIN SOLUTION
        ids = list(chunk.encode("utf-8"))
        while len(ids) > 1:
            # the adjacent pair learned earliest (lowest rank) is merged first
            pair = min(itertools.pairwise(ids), key=lambda p: self.ranks.get(p, float("inf")))
            if pair not in self.ranks:
                break
            ids = _merge(ids, pair, 256 + self.ranks[pair])
        # END SOLUTION
        if len(self._cache) < 100_000:
            self._cache[chunk] = ids
        return ids

    def encode(
        self,
        text: str,
        *,
        allowed_special: str | Collection[str] = frozenset(),
        disallowed_special: str | Collection[str] = "all",
    ) -> list[int]:
        """Token ids of ``text``, with tiktoken's (and minbpe's) handling of special tokens.

        Parameters
        ----------
        text : str
        allowed_special : ``"all"``, ``"none"`` or set of str
            Special tokens that become their ids where they occur in ``text``. ``"none"``
            (minbpe's spelling) allows none and never raises: every special token is
            encoded as ordinary text.
        disallowed_special : ``"all"`` or collection of str
            Special tokens whose appearance in ``text`` raises ``ValueError``; ``"all"``
            means every special token not allowed. ``()`` encodes them as ordinary text.

        >>> tok = ByteBPETokenizer(special_tokens={"<|endoftext|>": 256})
        >>> tok.encode("a<|endoftext|>", allowed_special={"<|endoftext|>"})
        [97, 256]
        >>> len(tok.encode("a<|endoftext|>", disallowed_special=()))
        14
        """
        if not isinstance(text, str):
            raise TypeError(f"encode: text must be a str, got {type(text).__name__}")
        specials = set(self.special_tokens)
        if allowed_special == "all":
            allowed = specials
        elif allowed_special == "none":
            allowed, disallowed_special = set(), ()
        elif isinstance(allowed_special, str):
            raise ValueError(
                f"encode: allowed_special must be 'all', 'none' or a set of special tokens, "
                f"got the string {allowed_special!r} (a set: {{{allowed_special!r}}})"
            )
        else:
            allowed = set(allowed_special)
        if disallowed_special == "all":
            disallowed = specials - allowed
        elif isinstance(disallowed_special, str):
            raise ValueError(
                f"encode: disallowed_special must be 'all' or a collection of special tokens, "
                f"got the string {disallowed_special!r}"
            )
        else:
            disallowed = set(disallowed_special)
        if disallowed:
            found = _special_regex(disallowed).search(text)
            if found:
                raise ValueError(
                    f"encode: the text contains the special token {found.group()!r} at "
                    f"character {found.start()}, which is not allowed. To encode it as the "
                    f"special token pass allowed_special={{{found.group()!r}}} (or 'all'); to "
                    f"encode it as ordinary text pass disallowed_special=()"
                )
        allowed &= specials
        parts = _special_regex(allowed).split(text) if allowed else [text]
        ids: list[int] = []
        for part in parts:
            if part in allowed:
                ids.append(self.special_tokens[part])
                continue
            for chunk in self._split.findall(part):
                ids.extend(self._encode_chunk(chunk))
        return ids

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """The text of ``ids`` (invalid UTF-8 from a partial sequence becomes U+FFFD by default)."""
        out = bytearray()
        n = len(self.vocab)
        for i in ids:
            i = int(i)
            if 0 <= i < n:
                out += self.vocab[i]
            elif i in self.inverse_special:
                out += self.inverse_special[i].encode("utf-8")
            else:
                raise IndexError(
                    f"decode: token id {i} is outside the vocabulary of size {self.vocab_size}"
                )
        return out.decode("utf-8", errors=errors)

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "byte-bpe",
            "pattern": self.pattern,
            "merges": [list(m) for m in self.merges],
            "special_tokens": self.special_tokens,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ByteBPETokenizer:
        if d.get("type") != "byte-bpe":
            raise ValueError(f"not a byte-level BPE tokenizer file (type={d.get('type')!r})")
        return cls([tuple(m) for m in d["merges"]], d["special_tokens"], d["pattern"])

    def save(self, path: str | Path) -> None:
        """Write the merges and special tokens as JSON, atomically."""
        atomic_write(path, json.dumps(self.to_dict(), ensure_ascii=False))

    @classmethod
    def load(cls, path: str | Path) -> ByteBPETokenizer:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
