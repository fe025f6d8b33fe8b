"""Lessons in the lesson format: a figure, a worked example with visible output, and each
exercise with the command that starts it (``groundup learn start ID``).

Applied to the lessons listed in ``CONVERTED`` (``tests/course/course_blocks.py``), which grows as
lessons are converted; the command check applies to every lesson that names an exercise.
"""

from __future__ import annotations

import re

import pytest

from tests.course.course_blocks import CONVERTED, COURSE, lesson_format

#: a workbench exercise named in a lesson: "Workbench: `mse-loss`", "`groundup check mse-loss`"
WORKBENCH = re.compile(r"Workbench(?: exercises?)?:(.*?)(?:\n- |\n\n|$)", re.DOTALL)
CHECK = re.compile(r"groundup (?:learn )?check ([a-z0-9][a-z0-9-]*)")
NAME = re.compile(r"`([a-z0-9][a-z0-9-]*)`")
START = re.compile(r"groundup learn start ([a-z0-9][a-z0-9-]*)")


def format_problems(text: str) -> list[str]:
    """What a converted lesson lacks (empty: it follows the format)."""
    problems = []
    if not lesson_format.figures(text):
        problems.append("no figure (a python block whose first line is `# figure: NAME`)")
    if not lesson_format.has_worked_output(text):
        problems.append("no worked example with visible output (a python block of `>>>` lines)")
    return problems + unstarted_exercises(text)


def unstarted_exercises(text: str) -> list[str]:
    """Exercises a lesson names without the `groundup learn start ID` command that starts them."""
    from groundup.learn.catalog import exercises

    named = [n for block in WORKBENCH.findall(text) for n in NAME.findall(block)]
    named += CHECK.findall(text)
    started = set(START.findall(text))
    missing = [n for n in dict.fromkeys(named) if n in exercises() and n not in started]
    return [f"exercise `{n}` without `groundup learn start {n}`" for n in missing]


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
        "exercise `mse-loss` without `groundup learn start mse-loss`"
    ]
