"""A dataset fetched from the network, or added from files the user already has.

Each :class:`RemoteSource` knows its files (URLs and pinned checksums), how to turn the
downloaded files into its cache folder (e.g. extract CIFAR-10's archive), how to install
files the user already has (``groundup data add NAME --from PATH``) and how to read a
folder into arrays or text. Everything that enters the cache is parsed first and written
atomically (:mod:`groundup.data.cache`). The sources are in :mod:`~groundup.data.mnist`,
:mod:`~groundup.data.cifar10` and :mod:`~groundup.data.text_corpora`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from groundup.data.download import Resource
from groundup.data.errors import CorruptFileError


@dataclass(frozen=True)
class RemoteSource:
    """A dataset fetched from the network (or added from local files).

    Attributes
    ----------
    resources : tuple of Resource
        The files to download.
    is_installed : callable
        ``is_installed(folder) -> bool``: the cache folder holds a complete copy.
    finish_download : callable
        ``finish_download(folder)``: turn the downloaded files into the installed layout.
    install_from : callable
        ``install_from(path, folder) -> warnings``: validate the user's files (a structural
        mismatch raises :class:`~groundup.data.errors.CorruptFileError`) and copy them in
        atomically; returns one message per file whose pinned checksum differs.
    read : callable
        ``read(folder_or_path)``: the dataset, from the cache folder or the user's files.
    manual : str
        What a user without network should download, for the messages.
    read_cache : callable, optional
        ``read_cache(folder)``: :attr:`read` plus the checks that only the complete
        dataset passes (e.g. 60,000 training images); default :attr:`read`.
    """

    resources: tuple[Resource, ...]
    is_installed: Callable[[Path], bool]
    finish_download: Callable[[Path], None]
    install_from: Callable[[Path, Path], list[str]]
    read: Callable[[Path], Any]
    manual: str
    read_cache: Callable[[Path], Any] | None = None

    def load_cache(self, folder: Path) -> Any:
        """The dataset from its cache folder, checked as a complete copy."""
        return (self.read_cache or self.read)(folder)


def check_counts(
    d: dict[str, tuple[np.ndarray, np.ndarray]], where: Path, expected: dict[str, int]
) -> None:
    """Raise CorruptFileError unless every split has the ``expected`` number of images."""
    for split, n in expected.items():
        got = len(d[split][0])
        if got != n:
            raise CorruptFileError(
                f"{where}: the {split} split has {got:,} images; the dataset has {n:,}"
            )
