"""The cache directory, and writes that are atomic: a file is either complete or absent.

The cache lives in ``$GROUNDUP_DATA`` when that is set, otherwise in the platform's user
cache directory (``platformdirs.user_cache_dir("groundup")``, e.g. ``~/.cache/groundup``
on Linux). Every file and folder enters it through :mod:`groundup.utils.atomic_io`
(written under a temporary name in the same directory, flushed with ``fsync``, renamed
with ``os.replace``): an interrupted write never leaves a half-written file under the
final name.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

from groundup.utils.atomic_io import atomic_copy as _atomic_copy
from groundup.utils.atomic_io import atomic_write


def cache_dir() -> Path:
    """The root of the data cache (created if missing).

    >>> cache_dir().is_dir()
    True
    """
    root = os.environ.get("GROUNDUP_DATA") or platformdirs.user_cache_dir("groundup")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def dataset_dir(name: str) -> Path:
    """The cache folder of one dataset, ``cache_dir() / name`` (not created)."""
    return cache_dir() / name


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`groundup.utils.atomic_io.atomic_write`); return ``path``."""
    atomic_write(path, data)
    return Path(path)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    atomic_write(path, text)
    return Path(path)


def atomic_copy(src: Path, dst: Path) -> Path:
    """Copy the file ``src`` to ``dst`` atomically (:func:`groundup.utils.atomic_io.atomic_copy`); return ``dst``."""
    _atomic_copy(src, dst)
    return Path(dst)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in 1 MiB chunks (``"sha256"`` or ``"md5"``)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
