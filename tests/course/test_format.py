"""Lessons in the lesson format: a figure, a worked example with visible output, and each
exercise with the command that starts it (``groundup learn start ID``).

The figure and the worked output are required of the lessons listed in ``CONVERTED``
(``tests/course/course_blocks.py``), which grows as lessons are converted; the start command of
every lesson's exercise list ("Workbench: ...") is required of every page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.course.course_blocks import CONVERTED, COURSE, lesson_files, lesson_format, page_id

#: a workbench exercise named in a lesson: "Workbench: `mse-loss`", "`groundup check mse-loss`"
WORKBENCH = re.compile(r"Workbench(?: exercises?)?:?(.*?)(?:\n- |\n\n|$)", re.DOTALL)
#: a page's exercises section: "## Exercises" (the six-month weeks), "## Exercises and milestone"
SECTION = re.compile(r"^## [^\n]*Exercises[^\n]*\n(.*?)(?=^## |\Z)", re.DOTALL | re.MULTILINE)
NAME = re.compile(r"`([a-z0-9][a-z0-9-]*)`")
CHECK = re.compile(r"groundup (?:learn )?check ([a-z0-9][a-z0-9-]*)")
START = re.compile(r"groundup learn start ([A-Za-z0-9][A-Za-z0-9-]*)")


def format_problems(text: str) -> list[str]:
    """What a converted lesson lacks (empty: it follows the format)."""
    problems = []
    if not lesson_format.figures(text):
        problems.append("no figure (a python block whose first line is `# figure: NAME`)")
    if not lesson_format.has_worked_output(text):
        problems.append("no worked example with visible output (a python block of `>>>` lines)")
    return problems + unstarted_exercises(text)


def unstarted_exercises(text: str) -> list[str]:
    """Exercise lists that do not say how to start their exercises (empty: every one does).

    An exercise list is a page's exercises section (``## Exercises...``), or a ``Workbench:`` item
    outside one; it must give ``groundup learn start ID`` with one of the exercises it names (or
    ``ID`` itself).
    """
    from groundup.learn.catalog import exercises

    problems = []
    sections = SECTION.findall(text)
    outside = SECTION.sub("", text)
    for block in sections + WORKBENCH.findall(outside):
        names = dict.fromkeys(NAME.findall(block) + CHECK.findall(block))
        named = [n for n in names if n in exercises()]
        started = START.findall(block)
        if named and not set(started) & {*named, "ID"}:
            problems.append(
                f"exercise list {', '.join(named)} without `groundup learn start {named[0]}`"
            )
    return problems


@pytest.mark.parametrize("page", lesson_files(), ids=[page_id(p) for p in lesson_files()])
def test_course_exercise_lists_name_the_start_command(page: Path) -> None:
    assert unstarted_exercises(page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", CONVERTED)
def test_course_converted_lesson_follows_the_format(name: str) -> None:
    page = COURSE / name
    assert format_problems(page.read_text(encoding="utf-8")) == [], name


def test_course_converted_lessons_exist() -> None:
    assert all((COURSE / name).is_file() for name in CONVERTED)
    assert len(set(CONVERTED)) == len(CONVERTED)


def test_course_format_check_finds_what_is_missing() -> None:
    template = (COURSE / "TEMPLATE.md").read_text(encoding="utf-8")
    assert format_problems(template) == []
    no_figure = template.replace("# figure: mse-outlier", "# the figure")
    assert format_problems(no_figure) == [
        "no figure (a python block whose first line is `# figure: NAME`)"
    ]
    silent = "\n".join(line for line in template.splitlines() if not line.startswith(">>>"))
    assert "no worked example with visible output" in format_problems(silent)[0]
    unstarted = template.replace("groundup learn start mse-loss", "groundup check mse-loss")
    assert format_problems(unstarted) == [
        "exercise list mse-loss without `groundup learn start mse-loss`"
    ]
