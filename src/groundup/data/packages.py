"""Files that ship inside installed packages, found without importing the packages' code.

``importlib.util.find_spec(name)`` locates a top-level package without running its
``__init__.py``; its ``submodule_search_locations`` is the package's folder.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

from groundup.data.errors import DataError


def package_dir(package: str) -> Path:
    """The folder of an installed package, e.g. ``.../site-packages/mlxtend``.

    Raises
    ------
    DataError
        If the package is not installed (the message says what to install).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"the package {package!r} is not installed: `pip install {package}`")
    return Path(next(iter(spec.submodule_search_locations)))


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package; DataError if it is not there."""
    path = package_dir(package) / relative
    if not path.is_file():
        raise DataError(f"{path}: not found in the installed {package!r} (reinstall it)")
    return path


def package_version(distribution: str) -> str:
    """The installed version of a distribution (``"unknown"`` if it has no metadata)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
