"""The examples in the data modules' docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "groundup.data",
    "groundup.data.cache",
    "groundup.data.cifar",
    "groundup.data.idx",
    "groundup.data.mnist_5k",
    "groundup.data.shakespeare",
    "groundup.data.toy",
    "groundup.utils.data",
    "groundup.utils.data.dataloader",
    "groundup.utils.data.dataset",
    "groundup.utils.data.sampler",
    "groundup.utils.data.transforms",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
