"""Every data test gets its own empty cache directory ($GROUNDUP_DATA)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GROUNDUP_DATA", str(cache))
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    return cache


#: The real sizes, before the fixture below shrinks them.
MNIST_COUNTS = {"train": 60000, "test": 10000}
CIFAR_COUNTS = {"train": 50000, "test": 10000}


@pytest.fixture(autouse=True)
def _small_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake MNIST folders hold 12 + 4 digits, the fake CIFAR ones 10 + 2 images (5 + 1
    in the download tests), not 70,000 / 60,000: tests that check the real counts set them."""
    from groundup.data import cifar10, mnist

    assert mnist.EXPECTED_COUNTS == MNIST_COUNTS and cifar10.EXPECTED_COUNTS == CIFAR_COUNTS
    monkeypatch.setattr(mnist, "EXPECTED_COUNTS", {})
    monkeypatch.setattr(cifar10, "EXPECTED_COUNTS", {})
