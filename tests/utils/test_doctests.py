"""Every public name of groundup.utils' modules carries a docstring example."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from groundup.utils import atomic_io, data_utils, math_utils, metrics, seeding, tensor_utils


@pytest.mark.parametrize(
    "module",
    [math_utils, tensor_utils, seeding, data_utils, metrics, atomic_io],
    ids=lambda m: m.__name__.rsplit(".", 1)[-1],
)
def test_every_public_name_has_an_example(module: ModuleType) -> None:
    # the examples themselves run through --doctest-modules (pyproject.toml, src/conftest.py)
    finder = doctest.DocTestFinder()
    with_examples = {t.name.rsplit(".", 1)[-1] for t in finder.find(module) if t.examples}
    public = [getattr(module, name).__name__ for name in module.__all__]  # aliases by their target
    missing = [name for name in public if name not in with_examples]
    assert not missing, f"{module.__name__}: no example in {missing}"
