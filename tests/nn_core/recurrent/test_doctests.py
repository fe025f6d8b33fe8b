"""The examples in the recurrent modules' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "groundup.nn_core.recurrent.recurrence",
    "groundup.nn_core.recurrent.rnn_cell",
    "groundup.nn_core.recurrent.lstm_cell",
    "groundup.nn_core.recurrent.gru_cell",
    "groundup.sequence.recurrent.attention",
    "groundup.sequence.recurrent.seq2seq",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
