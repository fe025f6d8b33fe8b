"""Download a file into the cache: pinned checksum, resume, atomic rename, one-line offline error.

A :class:`Resource` is one remote file with its pinned SHA-256 (and size when known).
:func:`download` fetches it into a folder of the cache like this:

1. If the final file is already there, nothing is fetched.
2. The bytes go to ``<name>.part`` in the same folder. If a ``.part`` file is left from
   an interrupted run, the request asks for the rest (HTTP ``Range: bytes=<n>-``); a
   server that answers ``200`` instead of ``206`` sends the whole file, which then
   overwrites the partial one (a clean restart).
3. When the transfer is complete the size and SHA-256 are checked; a mismatch deletes
   the ``.part`` file and raises :class:`~groundup.data.errors.ChecksumError`.
4. Only then is ``.part`` renamed to the final name with ``os.replace`` (atomic).

Without a network the first connection fails at once (``urllib`` with a timeout) and
:class:`~groundup.data.errors.OfflineError` says, in one line, which URL to download and
where to put the file.
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from groundup.data.cache import file_digest
from groundup.data.errors import ChecksumError, DownloadError, OfflineError

#: Seconds to wait for a connection or for the next bytes of a response.
TIMEOUT = 30.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Resource:
    """One remote file.

    Attributes
    ----------
    filename : str
        Name of the file in the dataset's cache folder.
    urls : tuple of str
        Where to get it: the canonical URL first, then mirrors tried in order.
    sha256 : str
        Pinned SHA-256 (hex) of the file.
    size : int or None
        Pinned size in bytes, when known.
    """

    filename: str
    urls: tuple[str, ...]
    sha256: str
    size: int | None = None


def download(
    resource: Resource,
    folder: Path,
    dataset: str = "",
    progress: Callable[[int, int | None], None] | None = None,
    timeout: float = TIMEOUT,
) -> Path:
    """Fetch ``resource`` into ``folder`` (see the module docstring); return the final path.

    Parameters
    ----------
    resource : Resource
        The file and its checksum.
    folder : Path
        The dataset's cache folder (created if missing).
    dataset : str
        The dataset's registry name, for the `groundup data add` hint in errors.
    progress : callable, optional
        Called as ``progress(bytes_so_far, total_or_None)`` after each chunk.
    timeout : float
        Seconds for the connection and for each read.

    Raises
    ------
    OfflineError
        No mirror can be reached.
    DownloadError
        An HTTP error, or the connection dropped mid-file (the ``.part`` file is kept so
        the next call resumes).
    ChecksumError
        The complete file does not have the pinned size/SHA-256 (the ``.part`` file is
        deleted).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / resource.filename
    if final.is_file():
        return final
    part = folder / (resource.filename + ".part")
    unreachable: list[str] = []
    for url in resource.urls:
        try:
            _fetch(url, part, progress, timeout)
            break
        except OfflineError as exc:
            unreachable.append(f"{urlparse(url).netloc} ({exc})")
    else:
        add = f" (or `groundup data add {dataset} --from PATH`)" if dataset else ""
        raise OfflineError(
            f"cannot reach {', '.join(unreachable)}: download {resource.urls[0]} "
            f"and put it in {folder}/{add}"
        )
    verify(part, resource, delete_on_mismatch=True)
    os.replace(part, final)
    return final


def checksum_mismatch(path: Path, resource: Resource) -> str:
    """How ``path`` differs from the pinned size/SHA-256 of ``resource``, naming both; ``""`` if it does not."""
    path = Path(path)
    size = path.stat().st_size
    digest = file_digest(path, "sha256")
    if digest == resource.sha256 and (resource.size is None or size == resource.size):
        return ""
    published = f"{resource.size:,} bytes" if resource.size is not None else "size not pinned"
    return (
        f"{path}: not the published {resource.filename}: SHA-256 {digest} ({size:,} bytes), "
        f"published {resource.sha256} ({published})"
    )


def verify(path: Path, resource: Resource, delete_on_mismatch: bool = False) -> None:
    """Check the size and SHA-256 of ``path`` against ``resource``; raise ChecksumError if they differ."""
    path = Path(path)
    size = path.stat().st_size
    problem = ""
    if resource.size is not None and size != resource.size:
        problem = f"size {size} bytes, expected {resource.size}"
    else:
        digest = file_digest(path, "sha256")
        if digest != resource.sha256:
            problem = f"SHA-256 {digest}, expected {resource.sha256}"
    if problem:
        if delete_on_mismatch:
            path.unlink(missing_ok=True)
        raise ChecksumError(f"{path}: checksum mismatch for {resource.filename}: {problem}")


def _fetch(
    url: str, part: Path, progress: Callable[[int, int | None], None] | None, timeout: float
) -> None:
    """Bring ``part`` to the full content of ``url``, resuming from its current size."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "groundup-data/1"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return  # nothing left to send: the partial file is complete (verify decides)
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OfflineError(str(reason)) from exc
    with response:
        resumed = have > 0 and response.status == 206
        done = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = done + int(length) if length is not None else None
        try:
            with open(part, "ab" if resumed else "wb") as f:
                while chunk := response.read(_CHUNK):
                    f.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        except (http.client.IncompleteRead, OSError) as exc:  # OSError: resets and timeouts
            raise DownloadError(
                f"{url}: connection dropped after {done} bytes ({type(exc).__name__}); "
                f"run the command again to resume"
            ) from exc
    if total is not None and done < total:
        raise DownloadError(
            f"{url}: connection dropped after {done} of {total} bytes; run the command again to resume"
        )


def fetch_all(
    resources: Sequence[Resource],
    folder: Path,
    dataset: str = "",
    progress: Callable[[str, int, int | None], None] | None = None,
) -> list[Path]:
    """Download every resource of a dataset into ``folder``; return the final paths."""
    paths = []
    for r in resources:
        cb = None if progress is None else (lambda n, t, name=r.filename: progress(name, n, t))
        paths.append(download(r, folder, dataset=dataset, progress=cb))
    return paths
