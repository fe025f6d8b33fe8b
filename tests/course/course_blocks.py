"""Read the Python code blocks and the ``groundup.`` references out of the course's Markdown lessons.

A lesson's code blocks are fenced with three backticks and ``python``. They run in order, in one
namespace per page, like cells of a notebook. A block meant to fail is preceded (on the line
just before its fence) by the marker ``<!-- raises: ValueError -->`` naming the exception it must
raise; a block preceded by ``<!-- skip-run -->`` is shown but not run (none should need it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

COURSE = Path(__file__).resolve().parents[2] / "course"

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>```+|~~~+)[ \t]*(?P<info>[^\n`]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>raises|skip-run)\s*:?\s*(?P<arg>[\w.]*)\s*-->\s*$")
#: a dotted path into the library, e.g. ``groundup.optimization.losses.cross_entropy.cross_entropy``
REFERENCE = re.compile(r"(?<![\w./-])groundup(?:\.[A-Za-z_]\w*)+")


@dataclass(frozen=True)
class Block:
    """One fenced Python block of a lesson: its source, first line, and the failure it expects."""

    source: str
    line: int  # 1-based line of the first code line
    raises: str | None  # exception class name the block must raise, or None
    skip: bool


def lesson_files() -> list[Path]:
    """Every Markdown page under ``course/`` (all tracks), sorted."""
    return sorted(COURSE.rglob("*.md"))


def python_blocks(text: str) -> list[Block]:
    """The ``python`` fenced blocks of a Markdown text, in order, with their markers."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, indent = m["ticks"], len(m["indent"])
        info = m["info"].strip().split()
        lang = info[0].lower().lstrip("{.").rstrip("}") if info else ""
        j = i + 1
        while j < len(lines):
            close = FENCE.match(lines[j])
            if close and close["ticks"].startswith(ticks) and not close["info"].strip():
                break
            j += 1
        if lang in ("python", "py"):
            prev = lines[i - 1] if i > 0 else ""
            marker = MARKER.match(prev)
            body = "\n".join(line[indent:] for line in lines[i + 1 : j])
            blocks.append(
                Block(
                    source=body,
                    line=i + 2,
                    raises=marker["arg"] if marker and marker["kind"] == "raises" else None,
                    skip=bool(marker and marker["kind"] == "skip-run"),
                )
            )
        i = j + 1
    return blocks


def references(text: str) -> list[tuple[int, str]]:
    """Every ``groundup.`` dotted path in a Markdown text, with its 1-based line number."""
    found = []
    for n, line in enumerate(text.splitlines(), start=1):
        for m in REFERENCE.finditer(line):
            found.append((n, m.group(0).rstrip(".")))
    return found
