"""The examples in the nn core's docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "groundup.nn_core.module",
    "groundup.nn_core.containers",
    "groundup.nn_core.checkpoint",
    "groundup.nn_core.init",
    "groundup.nn_core.layers.linear",
    "groundup.nn_core.layers.embedding",
    "groundup.nn_core.activations.relu",
    "groundup.nn_core.activations.sigmoid",
    "groundup.nn_core.activations.tanh",
    "groundup.nn_core.activations.softmax",
    "groundup.nn_core.activations.gelu",
    "groundup.nn_core.activations.erfc",
    "groundup.nn_core.normalization.batchnorm",
    "groundup.nn_core.normalization.layernorm",
    "groundup.nn_core.normalization.groupnorm",
    "groundup.nn_core.normalization.rmsnorm",
    "groundup.nn_core.regularization.dropout",
    "groundup.architectures.mlp",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
