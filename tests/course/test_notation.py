"""One symbol per quantity: the notation page (``course/notation.md``) is true to the library, and
a lesson's breakdown table names only what the function it explains uses (checked for the
lessons in the lesson format, ``CONVERTED``).

A *breakdown* is a Markdown table whose header starts ``| symbol | code |``. Its function is the
last ``groundup.`` reference before the table (the lesson's "implemented in ..."). Every name in
backticks in the ``code`` column must occur, as a whole word, in the source of the module that
defines that function. The notation page's tables (header ``| symbol | code | meaning | shape |
in the library |``) are breakdowns with their modules listed in the last column, checked the same
way, and a lesson that gives a symbol from the notation page a different code name for the same
module fails.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from functools import cache

import pytest

from tests.course.course_blocks import CONVERTED, COURSE, references
from tests.course.test_references import resolve

NOTATION = COURSE / "notation.md"
HEADER = re.compile(r"^\|\s*symbol\s*\|\s*code\s*\|")
NAME = re.compile(r"`([A-Za-z_][A-Za-z_0-9]*)`")


@dataclass(frozen=True)
class Row:
    line: int
    symbol: str
    names: tuple[str, ...]
    modules: tuple[str, ...]  # modules whose source must use the names


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def symbol_key(cell: str) -> str:
    """A symbol cell as a comparable key: the TeX without ``$`` and spaces."""
    return re.sub(r"[\s$]", "", cell)


@cache
def module_of(path: str) -> str:
    """The module that defines the object a ``groundup.`` path names (a module names itself)."""
    obj = resolve(path)
    if inspect.ismodule(obj):
        return obj.__name__
    module = inspect.getmodule(obj)
    if module is None:
        raise LookupError(f"{path}: cannot tell which module defines it")
    return module.__name__


@cache
def source_words(module: str) -> frozenset[str]:
    return frozenset(
        re.findall(r"[A-Za-z_][A-Za-z_0-9]*", inspect.getsource(importlib.import_module(module)))
    )


def breakdowns(text: str) -> list[Row]:
    """The rows of a page's breakdown tables, each with the module its names must be found in.

    In the notation page's format (a last column ``in the library``) the modules are listed per
    row; otherwise they are the module of the last ``groundup.`` reference before the table.
    """
    lines = text.splitlines()
    refs = references(text)
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        if not HEADER.match(lines[i]):
            i += 1
            continue
        header = cells(lines[i])
        listed = header[-1] == "in the library"
        before = [ref for n, ref in refs if n <= i]
        linked = (module_of(before[-1]),) if before and not listed else ()
        i += 2  # header and |---| line
        while i < len(lines) and lines[i].startswith("|"):
            row = cells(lines[i])
            modules = linked
            if listed:
                modules = tuple(
                    module_of(m) for m in re.findall(r"`(groundup(?:\.\w+)+)`", row[-1])
                )
            rows.append(Row(i + 1, row[0], tuple(NAME.findall(row[1])), modules))
            i += 1
    return rows


def unknown_names(rows: list[Row]) -> list[str]:
    """Each name of a breakdown that a module it should be in does not use."""
    problems = []
    for row in rows:
        for module in row.modules:
            for name in row.names:
                if name not in source_words(module):
                    problems.append(
                        f"line {row.line}: {row.symbol} is `{name}`, which {module} does not use"
                    )
    return problems


def notation_rows() -> list[Row]:
    return breakdowns(NOTATION.read_text(encoding="utf-8"))


def test_course_notation_page_is_true_to_the_library() -> None:
    rows = notation_rows()
    assert len(rows) >= 30 and all(r.modules for r in rows if r.names)
    assert unknown_names(rows) == []


def clashes(rows: list[Row], notation: list[Row]) -> list[str]:
    """Rows giving a notation symbol another code name in a module the notation lists it for."""
    by_symbol: dict[tuple[str, str], set[str]] = {}
    for n in notation:
        for module in n.modules:
            by_symbol.setdefault((symbol_key(n.symbol), module), set()).update(n.names)
    problems = []
    for row in rows:
        for module in row.modules:
            expected = by_symbol.get((symbol_key(row.symbol), module))
            if expected and row.names and not set(row.names) & expected:
                problems.append(
                    f"line {row.line}: {row.symbol} is {sorted(expected)} in the notation page, "
                    f"`{'`, `'.join(row.names)}` here"
                )
    return problems


@pytest.mark.parametrize("name", CONVERTED)
def test_course_breakdown_names_what_the_function_uses(name: str) -> None:
    """Every converted lesson (``CONVERTED``): its breakdowns use the code's names."""
    rows = breakdowns((COURSE / name).read_text(encoding="utf-8"))
    problems = unknown_names(rows) + clashes(rows, notation_rows())
    assert not problems, f"{name}:\n" + "\n".join(problems)


LESSON = """# A lesson

implemented in `groundup.optimization.losses.mse.mse_loss`.

| symbol | code | shape | meaning |
|---|---|---|---|
| $d$ | `d` | $(N,)$ | residual |
| $\\mathcal L$ | `loss` | $()$ | the loss |
"""


def test_course_breakdown_check_finds_a_name_the_function_does_not_use() -> None:
    rows = breakdowns(LESSON)
    assert [(r.symbol, r.names, r.modules) for r in rows] == [
        ("$d$", ("d",), ("groundup.optimization.losses.mse",)),
        ("$\\mathcal L$", ("loss",), ("groundup.optimization.losses.mse",)),
    ]
    assert unknown_names(rows) == [] and clashes(rows, notation_rows()) == []
    wrong = breakdowns(LESSON.replace("`d`", "`y_hat`"))
    assert unknown_names(wrong) == [
        "line 7: $d$ is `y_hat`, which groundup.optimization.losses.mse does not use"
    ]
    # `target` is used by mse.py, but the notation page calls the residual `d` there
    assert (
        "is ['d'] in the notation page"
        in clashes(breakdowns(LESSON.replace("`d`", "`target`")), notation_rows())[0]
    )
