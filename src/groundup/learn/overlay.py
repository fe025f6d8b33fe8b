"""The import overlay: ``import groundup.x.y`` loads the learner's ``x/y.py`` when it is chosen.

A :class:`WorkspaceFinder` on ``sys.meta_path`` answers only for the chosen modules whose
file is in the workspace's ``src/groundup/`` tree; every other module is found as usual
(the reference). It must be installed before ``groundup`` is imported, so this file uses
the standard library only and is loaded by path (see ``_bootstrap.py``), never through
the ``groundup`` package.

Which modules are chosen is the caller's decision, passed in ``$GROUNDUP_OVERLAY_MODULES``
(comma-separated): a check chooses the exercise's own modules and those of the exercises
the learner has passed (:func:`groundup.learn.checker.overlay_for`), so an unfinished stub
of one exercise never breaks the check of another. Unset, every file is overlaid.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path

ENV_WORKSPACE = "GROUNDUP_WORKSPACE"
ENV_MODULES = "GROUNDUP_OVERLAY_MODULES"
MARKER_FILE = "groundup-workspace.toml"


def find_workspace(start: str | os.PathLike | None = None) -> Path | None:
    """``$GROUNDUP_WORKSPACE``, else the nearest directory at or above ``start`` (CWD) holding ``groundup-workspace.toml``."""
    env = os.environ.get(ENV_WORKSPACE)
    if env:
        return Path(env).resolve()
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        if (d / MARKER_FILE).is_file():
            return d
    return None


def overlaid_modules(workspace: Path) -> dict[str, Path]:
    """Module name -> learner file, for every ``.py`` under ``workspace/src/groundup`` (packages' ``__init__`` excluded)."""
    root = workspace / "src"
    out = {}
    for path in sorted((root / "groundup").rglob("*.py")):
        if path.name == "__init__.py":
            continue
        rel = path.relative_to(root).with_suffix("")
        out[".".join(rel.parts)] = path
    return out


class WorkspaceFinder(importlib.abc.MetaPathFinder):
    """Finds the learner's file for the overlaid modules, and nothing else."""

    def __init__(self, workspace: Path, modules: list[str] | None = None) -> None:
        self.workspace = Path(workspace)
        found = overlaid_modules(self.workspace)
        chosen = found if modules is None else set(modules)
        self.modules = {m: f for m, f in found.items() if m in chosen}

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        """The spec of the learner's file for an overlaid module; ``None`` for every other."""
        file = self.modules.get(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file)


def chosen_modules() -> list[str] | None:
    """The module names in ``$GROUNDUP_OVERLAY_MODULES``; ``None`` when it is unset (all)."""
    raw = os.environ.get(ENV_MODULES)
    return None if raw is None else [m for m in raw.split(",") if m]


def install(workspace: str | os.PathLike, modules: list[str] | None = None) -> WorkspaceFinder:
    """Put a finder for ``workspace`` (only ``modules``, if given) first on ``sys.meta_path``.

    Warns if an overlaid module is already imported.
    """
    finder = WorkspaceFinder(Path(workspace), modules)
    already = [m for m in finder.modules if m in sys.modules]
    if already:
        print(
            f"groundup overlay: {', '.join(already)} were imported before the overlay was installed",
            file=sys.stderr,
        )
    sys.meta_path.insert(0, finder)
    return finder
