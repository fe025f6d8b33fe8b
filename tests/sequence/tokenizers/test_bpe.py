"""ByteBPETokenizer against tiktoken, offline: the same merges as a tiktoken ``Encoding``.

tiktoken normally downloads its encodings; here it is given our own merges as
``mergeable_ranks`` (token bytes -> rank), so no network is touched. Rank-ordered
merging of the bytes of each pre-split chunk is then the same algorithm in both, and
the ids must agree exactly, for GPT-2's and GPT-4's split patterns and for tiktoken's
contract on special tokens (``allowed_special`` / ``disallowed_special``).
"""

from __future__ import annotations

import pytest
import regex
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st
from tiktoken_ext.openai_public import r50k_pat_str

from groundup.sequence.tokenizers.bpe import (
    GPT2_SPLIT_PATTERN,
    GPT4_SPLIT_PATTERN,
    ByteBPETokenizer,
)

EOT, FIM = "<|endoftext|>", "<|fim_prefix|>"
# tiktoken's own patterns (possessive quantifiers, other spellings; the same chunks):
# GPT-2's from its module; cl100k_base's is built inside a function that downloads, so copied
TIKTOKEN_PATTERNS = {
    GPT2_SPLIT_PATTERN: r50k_pat_str,
    GPT4_SPLIT_PATTERN: r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
}
TEXT = (
    "To be, or not to be, that is the question: Whether 'tis nobler in the mind to suffer "
    "the slings and arrows of outrageous fortune. I'LL say it: we'll, they've, don't!\n\n"
    "Café déjà vu — naïve coöperation; 東京 2024年 12345678 ²Ⅻ ١٢٣ 😀😀  \r\n\ttabs   end "
) * 4
CASES = [
    "",
    "hello world",
    "HOW'S IT GOING? It's 1234567 o'clock!!!\n\n\n  spaces   ",
    "numbers 3.14159 and 1,000,000 and ²³ Ⅻ ١٢٣ ٤",
    "東京 2024年 😀 emoji 👩‍👩‍👧 combining e\u0301",
    "\r\n\r\n\tline\rbreaks\u2028and\u00a0nbsp",
    "x² y²³ Ⅻth ١٢٣abc _under_score_ ½cup",  # numerals that are not decimal digits
    "a \U0001e4d0\U0001e4d1 b",  # Nag Mundari letters: Unicode 15, newer than Python 3.11's 14
    TEXT[:300],
]


def _pair(pattern: str) -> tuple[ByteBPETokenizer, tiktoken.Encoding]:
    ours = ByteBPETokenizer.train(TEXT, vocab_size=400, special_tokens=[EOT, FIM], pattern=pattern)
    ranks = {token: rank for rank, token in enumerate(ours.vocab)}
    theirs = tiktoken.Encoding(
        "groundup-test",
        pat_str=TIKTOKEN_PATTERNS[pattern],
        mergeable_ranks=ranks,
        special_tokens=ours.special_tokens,
    )
    return ours, theirs


@pytest.fixture(scope="module", params=["gpt2", "gpt4"])
def pair(request) -> tuple[ByteBPETokenizer, tiktoken.Encoding]:
    return _pair({"gpt2": GPT2_SPLIT_PATTERN, "gpt4": GPT4_SPLIT_PATTERN}[request.param])


@pytest.mark.parametrize("text", CASES)
def test_ids_equal_tiktoken_with_the_same_merges(pair, text):
    ours, theirs = pair
    assert ours.encode(text) == theirs.encode(text)
    assert ours.decode(ours.encode(text)) == text


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_ids_equal_tiktoken_on_any_text(text):
    for pattern in (GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN):
        ours, theirs = _PAIRS[pattern]
        assert ours.encode(text, disallowed_special=()) == theirs.encode(
            text, disallowed_special=()
        )


_PAIRS = {p: _pair(p) for p in (GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN)}


@pytest.mark.parametrize("text", CASES)
def test_the_split_patterns_give_tiktokens_chunks(text):
    for ours, theirs in TIKTOKEN_PATTERNS.items():
        assert regex.findall(ours, text) == regex.findall(theirs, text)


def test_the_split_patterns_by_hand():
    """GPT-4 groups digits in threes; ``\\p{N}`` includes ², which stdlib ``re`` cannot express."""
    assert regex.findall(GPT4_SPLIT_PATTERN, "year 2024567 I'LL\n\n go") == [
        "year",
        " ",
        "202",
        "456",
        "7",
        " I",
        "'LL",
        "\n\n",
        " go",
    ]
    # letters of Unicode versions newer than the interpreter's are still \\p{L}
    assert regex.findall(GPT2_SPLIT_PATTERN, "a \U0001e4d0\U0001e4d1 b") == [
        "a",
        " \U0001e4d0\U0001e4d1",
        " b",
    ]
    assert regex.findall(GPT2_SPLIT_PATTERN, "year 2024567 x² I'LL") == [
        "year",
        " 2024567",
        " x",
        "²",
        " I",
        "'",
        "LL",
    ]


def test_special_tokens_follow_tiktokens_contract(pair):
    ours, theirs = pair
    text = f"a{EOT}b{FIM}c"
    # default: a special token in the text raises, as tiktoken (user text cannot inject one)
    with pytest.raises(ValueError, match=r"special token '<\|endoftext\|>' at character 1"):
        ours.encode(text)
    with pytest.raises(ValueError):
        theirs.encode(text)
    for kwargs in (
        {"allowed_special": {EOT}, "disallowed_special": ()},
        {"allowed_special": {EOT, FIM}},
        {"allowed_special": "all"},
        {"disallowed_special": ()},
        {"allowed_special": {FIM}, "disallowed_special": ()},
    ):
        assert ours.encode(text, **kwargs) == theirs.encode(text, **kwargs), kwargs
    # a set with one token allowed: the other is still disallowed
    with pytest.raises(ValueError, match=r"'<\|fim_prefix\|>'"):
        ours.encode(text, allowed_special={EOT})
    with pytest.raises(ValueError):
        theirs.encode(text, allowed_special={EOT})
    assert ours.encode(text, allowed_special={EOT, FIM}).count(ours.special_tokens[EOT]) == 1


def test_minbpe_spellings_and_misuse():
    ours, _ = _PAIRS[GPT2_SPLIT_PATTERN]
    text = f"x{EOT}"
    # minbpe: "none" encodes special tokens as ordinary text, never raising
    assert ours.encode(text, allowed_special="none") == ours.encode(text, disallowed_special=())
    assert ours.special_tokens[EOT] not in ours.encode(text, allowed_special="none")
    # a bare string is a mistake, not a silent "none" (the bug of #24)
    with pytest.raises(
        ValueError, match=r"got the string '<\|endoftext\|>' \(a set: \{'<\|endoftext"
    ):
        ours.encode(text, allowed_special=EOT)
    with pytest.raises(TypeError):
        ours.encode(text, {EOT})  # keyword-only, as tiktoken
