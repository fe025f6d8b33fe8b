"""Verifiable rewards: what each rule accepts and rejects."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.alignment.rewards import exact_match, lipogram, repetition_penalty, stop_format


def test_exact_match_cuts_at_the_stop():
    assert exact_match(["abc\nzzz", "abc", "ab\n"], ["abc", "abc", "abc"]).tolist() == [1, 1, 0]
    with pytest.raises(ValueError, match="2 completions but 1 answers"):
        exact_match(["a", "b"], ["a"])


def test_lipogram_rejects_the_letter_in_either_case_and_short_lines():
    got = lipogram(["a cold night", "Every man", "word", "no way\nthe end"])
    assert got.tolist() == [1, 0, 0, 1]


def test_stop_format_and_repetition():
    assert stop_format(["a\n", "a"]).tolist() == [1, 0]
    np.testing.assert_allclose(repetition_penalty(["a b c a b c", "x y"]), [-0.25, 0.0])
