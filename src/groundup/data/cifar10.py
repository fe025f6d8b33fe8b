"""CIFAR-10: the official archive ``cifar-10-python.tar.gz`` or its ``cifar-10-batches-py`` folder.

The archive's SHA-256 is pinned (as Keras pins it). Downloaded or added, the archive is
extracted by file name (no path inside it is trusted) into ``<cache>/cifar-10/cifar-10-batches-py``,
validated by :mod:`groundup.data.cifar`, then renamed into place atomically.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import numpy as np

from groundup.data.cifar import TEST_BATCH, TRAIN_BATCHES, read_cifar10_folder
from groundup.data.download import Resource, checksum_mismatch
from groundup.data.errors import CorruptFileError
from groundup.data.remote import RemoteSource, check_counts
from groundup.utils.atomic_io import atomic_directory

_CIFAR_ARCHIVE = Resource(
    "cifar-10-python.tar.gz",
    ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    170498071,
)
_CIFAR_DIR = "cifar-10-batches-py"
#: Images per split (a copy with other counts is not the dataset).
EXPECTED_COUNTS = {"train": 50000, "test": 10000}
_CIFAR_FILES = (*TRAIN_BATCHES, TEST_BATCH, "batches.meta")


def _cifar_installed(folder: Path) -> bool:
    return all((folder / _CIFAR_DIR / n).is_file() for n in _CIFAR_FILES[:-1])


def _extract_cifar(archive: Path, folder: Path) -> None:
    """Extract the batch files (regular files only, by name: no path from the archive is trusted)."""
    with atomic_directory(folder / _CIFAR_DIR) as tmp:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar.getmembers():
                    name = Path(member.name).name
                    if member.isfile() and name in _CIFAR_FILES:
                        src = tar.extractfile(member)
                        assert src is not None
                        with src, open(tmp / name, "wb") as dst:
                            shutil.copyfileobj(src, dst)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise CorruptFileError(f"{archive}: not a readable CIFAR-10 archive ({exc})") from exc
        _check(read_cifar10_folder(tmp), archive)  # validate before it becomes the cache


def _cifar_finish_download(folder: Path) -> None:
    archive = folder / _CIFAR_ARCHIVE.filename
    _extract_cifar(archive, folder)
    archive.unlink()


def _cifar_install_from(path: Path, folder: Path) -> list[str]:
    if path.is_file():  # the official archive
        mismatch = checksum_mismatch(path, _CIFAR_ARCHIVE)
        _extract_cifar(path, folder)
        return [mismatch] if mismatch else []
    _check(read_cifar10_folder(path), path)  # validates every batch
    with atomic_directory(folder / _CIFAR_DIR) as tmp:
        for name in _CIFAR_FILES:
            if (path / name).is_file():
                shutil.copyfile(path / name, tmp / name)
    return []


def _cifar_read(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    path = Path(path)
    return read_cifar10_folder(path / _CIFAR_DIR if (path / _CIFAR_DIR).is_dir() else path)


def _check(d: dict[str, tuple[np.ndarray, np.ndarray]], where: Path) -> None:
    """The complete dataset: 50,000 training and 10,000 test images."""
    check_counts(d, where, EXPECTED_COUNTS)


def _cifar_read_cache(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    d = _cifar_read(folder)
    _check(d, folder)
    return d


CIFAR10 = RemoteSource(
    resources=(_CIFAR_ARCHIVE,),
    is_installed=_cifar_installed,
    finish_download=_cifar_finish_download,
    install_from=_cifar_install_from,
    read=_cifar_read,
    read_cache=_cifar_read_cache,
    manual=f"{_CIFAR_ARCHIVE.urls[0]} (or its extracted {_CIFAR_DIR} folder)",
)
