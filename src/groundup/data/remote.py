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

from groundup.data.download import Resource


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
        ``install_from(path, folder)``: validate the user's files and copy them in.
    read : callable
        ``read(folder_or_path)``: the dataset, from the cache folder or the user's files.
    manual : str
        What a user without network should download, for the messages.
    """

    resources: tuple[Resource, ...]
    is_installed: Callable[[Path], bool]
    finish_download: Callable[[Path], None]
    install_from: Callable[[Path, Path], None]
    read: Callable[[Path], Any]
    manual: str
