"""The examples in the docstrings of losses, optimisers, schedulers and clipping run as claimed."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import groundup.optimization

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(groundup.optimization.__path__, "groundup.optimization.")
    if not m.ispkg
) + ["groundup.optim"]
WITHOUT_EXAMPLES = {"groundup.optimization.losses.loss"}  # helpers only


def test_every_module_is_collected() -> None:
    assert "groundup.optimization.optimizers.adam" in MODULES
    assert len(MODULES) >= 20


@pytest.mark.parametrize("name", [m for m in MODULES if m not in WITHOUT_EXAMPLES])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
