"""The milestones of the syllabi, runnable as ``groundup run NAME``.

Each module of this package that defines ``MILESTONE`` (a :class:`~groundup.milestones.base.Milestone`)
is a milestone; :func:`all_milestones` finds them by scanning the package. See
:mod:`groundup.milestones.base` for how to write one and :mod:`groundup.milestones.runner`
for what a run produces.
"""

from __future__ import annotations

import importlib
import pkgutil

from groundup.errors import GroundupError
from groundup.milestones.base import Milestone, RunContext

__all__ = ["Milestone", "RunContext", "all_milestones", "get", "in_curriculum_order"]

_NOT_MILESTONES = {"base", "config", "loop", "runner", "training"}


def all_milestones() -> dict[str, Milestone]:
    """Every milestone in this package, by name, in a stable order."""
    found: dict[str, Milestone] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _NOT_MILESTONES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "MILESTONE", None)
        if isinstance(spec, Milestone):
            if spec.name in found:
                raise GroundupError(f"two milestones are named {spec.name!r}")
            found[spec.name] = spec
    return found


def in_curriculum_order() -> list[Milestone]:
    """Every milestone, ordered by curriculum week (then name), as ``groundup run --list`` shows them."""
    return sorted(all_milestones().values(), key=lambda m: (m.week, m.name))


def get(name: str) -> Milestone:
    """The milestone called ``name``; a one-line error listing the names if there is none."""
    milestones = all_milestones()
    if name not in milestones:
        names = ", ".join(milestones) or "none yet"
        raise GroundupError(f"unknown milestone {name!r}; the milestones are: {names}")
    return milestones[name]
