"""The errors of `groundup.data`: each names the file or dataset and says what to do.

They subclass :class:`groundup.errors.GroundupError`, so the CLI prints them as one line.
"""

from __future__ import annotations

from groundup.errors import GroundupError


class DataError(GroundupError):
    """Base class of every data error."""


class UnknownDatasetError(DataError, KeyError):
    """The name is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotCachedError(DataError):
    """A downloadable dataset is not in the cache yet (and downloading was not asked for)."""


class CorruptFileError(DataError):
    """A file is truncated, has a wrong magic number, or does not have the expected structure."""


class ChecksumError(DataError):
    """A file's SHA-256 (or size) differs from the pinned value."""


class OfflineError(DataError):
    """The server cannot be reached: the message says what to download and where to put it."""


class DownloadError(DataError):
    """The server answered with an error, or the connection dropped mid-file."""


class DataWarning(UserWarning):
    """Something worth knowing that is not an error: e.g. an added file is not the published one."""
