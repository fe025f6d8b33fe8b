"""The cache directory, and writes that are atomic: a file is either complete or absent.

The cache lives in ``$GROUNDUP_DATA`` when that is set, otherwise in the platform's user
cache directory (``platformdirs.user_cache_dir("groundup")``, e.g. ``~/.cache/groundup``
on Linux). Every file is first written under a temporary name *in the same directory*
and then renamed with ``os.replace``, which is atomic on POSIX and Windows: an
interrupted write never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import platformdirs

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


def _temporary_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it to ``final`` if the block succeeds.

    If the block raises, the temporary file (or folder) is removed and ``final`` is left
    as it was. A folder replaces an existing folder of the same name.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_name(final)
    try:
        yield tmp
        if tmp.is_dir() and final.exists():
            # a folder cannot be renamed over a non-empty folder: move the old one aside first
            old = _temporary_name(final)
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`groundup.utils.atomic_io.atomic_write`); return ``path``."""
    atomic_write(path, data)
    return Path(path)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    atomic_write(path, text)
    return Path(path)


def atomic_copy(src: Path, dst: Path) -> Path:
    """Copy the file ``src`` to ``dst`` atomically; return ``dst``."""
    with atomic_path(Path(dst)) as tmp:
        shutil.copyfile(src, tmp)
    return Path(dst)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in 1 MiB chunks (``"sha256"`` or ``"md5"``)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
