"""The probe and the metric of the gpt-circuits milestone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from groundup.milestones.gpt_circuits import copy_metric, probe_tokens
from groundup.sequence.tokenizers import CharTokenizer


def test_probe_is_random_letters_written_twice() -> None:
    tok = CharTokenizer.train("To be, or not to be: that is the question.\n")
    tokens = probe_tokens(tok, 5, 7, np.random.default_rng(0))
    assert tokens.shape == (5, 14)
    assert np.array_equal(tokens[:, :7], tokens[:, 7:])
    assert set(tok.decode(tokens.ravel().tolist())) <= set("Tabehinoqrstu")  # letters only
    assert len(np.unique(tokens)) > 3  # not one letter


def test_copy_metric_scores_the_second_half() -> None:
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 10, size=(3, 8))  # half = 4: positions 4..6 predict 5..7
    V = 10
    assert copy_metric(targets)(np.zeros((3, 8, V))) == pytest.approx(-math.log(V))
    logits = np.zeros((3, 8, V))
    for t in range(7):
        logits[np.arange(3), t, targets[:, t + 1]] = 50.0  # certain of every next token
    assert copy_metric(targets)(logits) == pytest.approx(0.0, abs=1e-12)
    logits[:, :4] = 0.0  # the first half does not count
    assert copy_metric(targets)(logits) == pytest.approx(0.0, abs=1e-12)
    logits[0, 5] = 0.0  # one scored prediction becomes uniform: 1 of 9 terms is -ln V
    assert copy_metric(targets)(logits) == pytest.approx(-math.log(V) / 9)
