"""Writes that are atomic: a file is either the old one or the new one, whole.

Everything groundup writes for a user (checkpoints, run summaries, tokenizers, a
learner's progress and exercise files, cached datasets) goes through here. The bytes go
to a temporary file *in the same directory*, are flushed to disk (``fsync``), and the
file is renamed over the target with ``os.replace``, which is atomic on POSIX and
Windows. A crash or an exception at any moment leaves the previous file untouched and no
temporary file behind. The file gets the mode any file the user makes would get
(``0o666`` less the umask), or keeps the mode of the file it replaces; ``mkstemp``'s
owner-only ``0o600`` is not left on it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_copy", "atomic_directory", "atomic_file", "atomic_write"]


def _umask() -> int:
    """The process's umask, read without changing it where the OS allows (Linux >= 4.7)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, else what ``open(path, "w")`` would create."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


@contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb", **open_kwargs: Any) -> Iterator[IO]:
    """An open temporary file that replaces ``path`` when the block ends without an error.

    Parameters
    ----------
    path : str or PathLike
        The file to write; its folder is created if missing.
    mode : str
        ``"wb"`` or ``"w"`` (then ``encoding="utf-8"`` unless given).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.txt"
    >>> with atomic_file(path, "w") as f:
    ...     _ = f.write("epoch 1")
    >>> path.read_text()
    'epoch 1'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        open_kwargs.setdefault("encoding", "utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            if hasattr(os, "fchmod"):  # POSIX; on Windows the mode bits mean little
                os.fchmod(fd, _mode_for(path))
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> atomic_write(path, "hello")
    >>> path.read_text()
    'hello'
    """
    with atomic_file(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def atomic_copy(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy the file ``src`` to ``dst`` atomically (through :func:`atomic_file`).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", "data")
    >>> atomic_copy(folder / "a.txt", folder / "b.txt")
    >>> (folder / "b.txt").read_text()
    'data'
    """
    with open(src, "rb") as f_src, atomic_file(dst, "wb") as f_dst:
        shutil.copyfileobj(f_src, f_dst, 1 << 20)


@contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside ``path`` that replaces the folder ``path`` when the block succeeds.

    Fill the yielded folder; its files are flushed to disk and it is renamed to ``path``
    (an existing folder of that name is first moved aside, then removed: a folder cannot
    be renamed over a non-empty one). If the block raises, the temporary folder is removed
    and ``path`` is left as it was.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "batches"
    >>> with atomic_directory(target) as tmp:
    ...     _ = (tmp / "part-1").write_bytes(b"x")
    >>> sorted(p.name for p in target.iterdir())
    ['part-1']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would outlive the rename: the user's normal mode
    try:
        yield tmp
        for file in tmp.rglob("*"):
            if file.is_file():
                with open(file, "rb") as f:
                    os.fsync(f.fileno())
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
