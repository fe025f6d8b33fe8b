"""The examples in the convolution, pooling and architecture docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "groundup.nn_core.conv.conv2d",
    "groundup.nn_core.conv.conv1d",
    "groundup.nn_core.conv.transposed_conv",
    "groundup.nn_core.pooling.maxpool",
    "groundup.nn_core.pooling.avgpool",
    "groundup.nn_core.pooling.upsample",
    "groundup.architectures.lenet",
    "groundup.architectures.vgg",
    "groundup.architectures.resnet",
    "groundup.architectures.unet",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
