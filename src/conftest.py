"""The examples in src/'s docstrings run as tests (``--doctest-modules``, see pyproject.toml).

They get the test suite's guard against the network and a private data cache (an
example that loads a dataset never writes into the user's cache), and the global random
generators that seeding's examples re-seed are put back afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest

from groundup.utils import seeding
from tests.conftest import _no_network  # noqa: F401  (autouse: no example reaches the network)


@pytest.fixture(scope="session")
def _doctest_data_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GROUNDUP_DATA", str(tmp_path_factory.mktemp("groundup-data")))
        yield


@pytest.fixture(autouse=True)
def _private_data_cache(_doctest_data_cache: None) -> None:
    """Every example sees ``$GROUNDUP_DATA`` set to one temporary folder for the session."""


@pytest.fixture(autouse=True)
def _restore_global_generators() -> Iterator[None]:
    saved = (seeding._default, random.getstate(), np.random.get_state())  # noqa: NPY002
    yield
    seeding._default = saved[0]
    random.setstate(saved[1])
    np.random.set_state(saved[2])  # noqa: NPY002
