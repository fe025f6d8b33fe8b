"""Character and byte-level BPE tokenizers: round trips, determinism, persistence, errors."""

from __future__ import annotations

import json

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from groundup.sequence.tokenizers import ByteBPETokenizer, CharTokenizer, load_tokenizer
from groundup.sequence.tokenizers.bpe import GPT2_SPLIT_PATTERN

TEXT = (
    "To be, or not to be, that is the question: Whether 'tis nobler in the mind to suffer "
    "the slings and arrows of outrageous fortune, or to take arms against a sea of troubles. "
    "Café déjà vu — naïve coöperation; 東京 2024年 😀😀 don't we'll I'm they've "
) * 3


@pytest.fixture(scope="module")
def bpe() -> ByteBPETokenizer:
    return ByteBPETokenizer.train(TEXT, vocab_size=330, special_tokens=["<|endoftext|>"])


@given(st.text(max_size=60))
def test_bpe_round_trip_arbitrary_unicode(bpe, s):
    ids = bpe.encode(s)
    assert bpe.decode(ids) == s
    assert all(0 <= i < bpe.vocab_size for i in ids)


def test_bpe_learns_merges_that_compress(bpe):
    assert bpe.vocab_size == 330
    assert len(bpe.merges) == 330 - 256 - 1
    n_bytes = len(TEXT.encode("utf-8"))
    assert len(bpe.encode(TEXT)) < 0.6 * n_bytes
    # the first merge is the most frequent byte pair within the pre-split chunks
    counts: dict[bytes, int] = {}
    for chunk in regex.findall(GPT2_SPLIT_PATTERN, TEXT):
        b = chunk.encode("utf-8")
        for i in range(len(b) - 1):
            counts[b[i : i + 2]] = counts.get(b[i : i + 2], 0) + 1
    best = max(counts.values())
    assert bpe.vocab[256] == min(p for p, c in counts.items() if c == best)


def test_bpe_training_is_deterministic(bpe):
    again = ByteBPETokenizer.train(TEXT, vocab_size=330, special_tokens=["<|endoftext|>"])
    assert again.merges == bpe.merges
    assert again.encode(TEXT) == bpe.encode(TEXT)


def test_bpe_pre_split_never_merges_across_words(bpe):
    chunks = [c.encode("utf-8") for c in set(regex.findall(GPT2_SPLIT_PATTERN, TEXT))]
    for token in bpe.vocab[256:]:
        # every learned token lies inside one pre-split chunk of the training text
        assert any(token in c for c in chunks), token
    assert b"o t" not in bpe.vocab and b", " not in bpe.vocab


def test_bpe_special_tokens(bpe):
    eot = bpe.special_tokens["<|endoftext|>"]
    assert eot == 329
    ids = bpe.encode("to be<|endoftext|>or not", allowed_special={"<|endoftext|>"})
    assert ids.count(eot) == 1
    assert bpe.decode(ids) == "to be<|endoftext|>or not"
    assert eot not in bpe.encode("to be<|endoftext|>", allowed_special="none")


def test_bpe_save_load_round_trip(bpe, tmp_path):
    path = tmp_path / "tok.json"
    bpe.save(path)
    loaded = ByteBPETokenizer.load(path)
    assert loaded.encode(TEXT) == bpe.encode(TEXT)
    assert load_tokenizer(path).merges == bpe.merges
    assert json.loads(path.read_text())["type"] == "byte-bpe"
    assert not list(tmp_path.glob(".*tmp"))  # atomic write left no temporary file


def test_bpe_bad_input(bpe):
    with pytest.raises(IndexError, match="token id 400 is outside the vocabulary of size 330"):
        bpe.decode([1, 400])
    with pytest.raises(ValueError, match="smaller than the 256 bytes"):
        ByteBPETokenizer.train("abc", vocab_size=100)
    with pytest.raises(TypeError, match="must be a str"):
        bpe.encode(b"bytes")


def test_char_tokenizer(tmp_path):
    tok = CharTokenizer.train("hello world")
    assert tok.vocab_size == 8
    assert tok.decode(tok.encode("low")) == "low"
    with pytest.raises(
        ValueError, match=r"character 'z' at position 1 is not in the vocabulary of 8"
    ):
        tok.encode("oz")
    with pytest.raises(IndexError, match="token id 8 is outside the vocabulary of size 8"):
        tok.decode([8])
    tok.save(tmp_path / "c.json")
    assert load_tokenizer(tmp_path / "c.json").chars == tok.chars


def test_bpe_encode_applies_merges_in_the_order_learned():
    tok = ByteBPETokenizer([(98, 99), (97, 98)])  # (b,c) -> 256 first, then (a,b) -> 257
    assert tok.encode("abc") == [97, 256]  # rank order, not left to right
    assert tok.encode("abd") == [257, 100]


def test_bpe_training_breaks_count_ties_by_the_smallest_pair():
    assert ByteBPETokenizer.train("abcd abcd", vocab_size=258).merges == [(97, 98), (99, 100)]


def test_char_alphabet_is_sorted():
    tok = CharTokenizer.train("hello")
    assert tok.chars == ["e", "h", "l", "o"] and tok.encode("hole") == [1, 3, 2, 0]
