"""Every public function's docstring example in groundup.utils runs and gives what it shows."""

from __future__ import annotations

import doctest
import random
from types import ModuleType

import numpy as np
import pytest

from groundup.utils import atomic_io, data_utils, math_utils, metrics, seeding, tensor_utils


@pytest.fixture(autouse=True)
def _restore_global_generators():
    """seeding's examples re-seed global state; put it back afterwards."""
    saved = (seeding._default, random.getstate(), np.random.get_state())  # noqa: NPY002
    yield
    seeding._default = saved[0]
    random.setstate(saved[1])
    np.random.set_state(saved[2])  # noqa: NPY002


@pytest.mark.parametrize(
    "module",
    [math_utils, tensor_utils, seeding, data_utils, metrics, atomic_io],
    ids=lambda m: m.__name__.rsplit(".", 1)[-1],
)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0 and result.failed == 0
    # every public name in __all__ carries at least one example
    finder = doctest.DocTestFinder()
    with_examples = {t.name.rsplit(".", 1)[-1] for t in finder.find(module) if t.examples}
    public = [getattr(module, name).__name__ for name in module.__all__]  # aliases by their target
    missing = [name for name in public if name not in with_examples]
    assert not missing, f"{module.__name__}: no example in {missing}"
