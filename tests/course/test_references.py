"""Every ``groundup.`` dotted path named in a lesson resolves to a real object of the library."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.course.course_blocks import COURSE, lesson_files, references


def resolve(path: str) -> object:
    """Import the longest module prefix of ``path`` and get the remaining attributes from it.

    Raises ``LookupError`` naming the part that does not exist.
    """
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for i, attr in enumerate(parts[cut:], start=cut):
            if not hasattr(obj, attr):
                raise LookupError(f"{path}: {'.'.join(parts[:i])} has no attribute {attr!r}")
            obj = getattr(obj, attr)
        return obj
    raise LookupError(f"{path}: no module {parts[0]!r}")


PAGES = [p for p in lesson_files() if references(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(COURSE)) for p in PAGES])
def test_course_references_resolve(page: Path) -> None:
    broken = []
    for line, ref in references(page.read_text(encoding="utf-8")):
        try:
            resolve(ref)
        except LookupError as err:
            broken.append(f"line {line}: {err}")
    assert not broken, f"{page.relative_to(COURSE)}: unresolved references:\n" + "\n".join(broken)


def test_course_reference_finder_and_resolver() -> None:
    text = (
        "implemented in `groundup.optimization.losses.cross_entropy.cross_entropy`.\n"
        "see groundup.nn.functional.softmax, not src/groundup.toml or x.groundup.y\n"
    )
    refs = references(text)
    assert refs == [
        (1, "groundup.optimization.losses.cross_entropy.cross_entropy"),
        (2, "groundup.nn.functional.softmax"),
    ]
    assert callable(resolve(refs[0][1]))
    with pytest.raises(LookupError, match="has no attribute 'no_such_loss'"):
        resolve("groundup.optimization.losses.no_such_loss")
    with pytest.raises(LookupError, match=r"groundup\.nn has no attribute 'Transformerz'"):
        resolve("groundup.nn.Transformerz")


MILESTONE = re.compile(r"groundup run ([a-z0-9][a-z0-9-]*)")
EXERCISE = re.compile(r"groundup (?:check|learn start) ([a-z0-9][a-z0-9-]*)")
WORKBENCH_LIST = re.compile(r"Workbench(?: exercises?)?:(.*?)(?:\n- |\n\n|$)", re.DOTALL)
NAME = re.compile(r"`([a-z0-9][a-z0-9-]*)`")


@pytest.mark.parametrize(
    "page", lesson_files(), ids=[str(p.relative_to(COURSE)) for p in lesson_files()]
)
def test_course_milestones_and_exercises_named_exist(page: Path) -> None:
    from groundup.learn.catalog import exercises
    from groundup.milestones import all_milestones

    text = page.read_text(encoding="utf-8")
    unknown = [f"milestone {m}" for m in MILESTONE.findall(text) if m not in all_milestones()]
    named = EXERCISE.findall(text)
    named += [n for block in WORKBENCH_LIST.findall(text) for n in NAME.findall(block)]
    unknown += [f"exercise {e}" for e in named if e not in exercises()]
    assert not unknown, f"{page.relative_to(COURSE)} names what does not exist: {unknown}"
