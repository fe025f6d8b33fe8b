"""Tokenizers (curriculum Phase 6): character-level and byte-level BPE, saved as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from groundup.sequence.tokenizers.bpe import ByteBPETokenizer
from groundup.sequence.tokenizers.char import CharTokenizer

__all__ = ["ByteBPETokenizer", "CharTokenizer", "tokenizer_from_dict"]


def tokenizer_from_dict(d: dict[str, Any]) -> CharTokenizer | ByteBPETokenizer:
    """The tokenizer a ``to_dict()`` describes (``type`` is ``"char"`` or ``"byte-bpe"``)."""
    kinds = {"char": CharTokenizer, "byte-bpe": ByteBPETokenizer}
    if d.get("type") not in kinds:
        raise ValueError(f"unknown tokenizer type {d.get('type')!r}; expected one of {list(kinds)}")
    return kinds[d["type"]].from_dict(d)


def load_tokenizer(path: str | Path) -> CharTokenizer | ByteBPETokenizer:
    """A tokenizer saved with ``save`` (either kind)."""
    return tokenizer_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


__all__ += ["load_tokenizer"]
