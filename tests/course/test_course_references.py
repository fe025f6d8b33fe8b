"""Every ``groundup.`` dotted path named in a lesson resolves to a real object of the library."""

from __future__ import annotations

import importlib
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
