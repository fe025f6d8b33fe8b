"""The alignment course's lesson folders (``course/alignment/lesson_NN/``), as its syllabus asks.

Each of the 12 lessons is a folder with the four parts — ``README.md`` (objectives, outline,
reading, homework), ``conspect.md`` (in the lesson format: ``CONVERTED``), ``slides/`` (its Marp
deck, ``slides/index.md``) — and the homework names workbench exercises and milestones that exist.
Every ``groundup.`` reference in a deck resolves (the pages' are checked by ``test_references``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from groundup.learn.catalog import exercises
from groundup.milestones import all_milestones
from tests.course.course_blocks import CONVERTED, COURSE, references
from tests.course.test_references import resolve

ALIGNMENT = COURSE / "alignment"
LESSONS = [ALIGNMENT / f"lesson_{n:02d}" for n in range(1, 13)]
SECTIONS = ["Objectives", "Outline", "Reading", "Homework"]
#: a full reference: authors, the year in brackets, a title
REFERENCE = re.compile(r"^- [^()]+\(\d{4}\)\. .+\.", re.MULTILINE)


def section(text: str, name: str) -> str:
    """The body of ``## name`` (up to the next ``## ``), or "" if the page has none."""
    m = re.search(rf"^## {name}\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    return m[1] if m else ""


def homework_problems(text: str) -> list[str]:
    """What is wrong with a README's homework (empty: every exercise and milestone it names exists).

    A homework names at least one workbench exercise (``Workbench: `ID` ``, with ``groundup learn
    start ID``) and one milestone (``groundup run NAME``).
    """
    homework = section(text, "Homework")
    known, milestones = exercises(), all_milestones()
    named = re.findall(r"Workbench: `([^`]+)`", homework)
    started = re.findall(r"groundup learn start ([\w-]+)", homework)
    runs = re.findall(r"groundup run ([\w-]+)", homework)
    problems = [f"no exercise {e!r}" for e in dict.fromkeys(named + started) if e not in known]
    problems += [f"no milestone {m!r}" for m in dict.fromkeys(runs) if m not in milestones]
    problems += [
        f"exercise {e!r} without `groundup learn start {e}`" for e in named if e not in started
    ]
    if not named:
        problems.append("the homework names no workbench exercise")
    if not runs:
        problems.append("the homework names no milestone (`groundup run NAME`)")
    return problems


def readme_problems(text: str) -> list[str]:
    problems = [f"no section ## {name}" for name in SECTIONS if not section(text, name).strip()]
    if section(text, "Reading") and not REFERENCE.search(section(text, "Reading")):
        problems.append("the reading list has no full reference (Authors (Year). Title.)")
    if "(conspect.md)" not in text or 'href="slides/"' not in text:
        problems.append("the README does not link its conspect and its slides")
    return problems + homework_problems(text)


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_alignment_lesson_folder_has_the_four_parts(lesson: Path) -> None:
    assert (lesson / "README.md").is_file()
    assert (lesson / "conspect.md").is_file()
    assert (lesson / "slides" / "index.md").is_file()
    assert str((lesson / "conspect.md").relative_to(COURSE)) in CONVERTED
    deck = (lesson / "slides" / "index.md").read_text(encoding="utf-8")
    assert deck.startswith("---\nmarp: true\n"), "a deck starts with Marp's front matter"
    assert deck.count("\n---\n") >= 4, "a deck has at least 5 slides"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_alignment_lesson_readme_has_objectives_outline_reading_and_homework(lesson: Path) -> None:
    assert readme_problems((lesson / "README.md").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_alignment_lesson_deck_references_resolve(lesson: Path) -> None:
    deck = (lesson / "slides" / "index.md").read_text(encoding="utf-8")
    broken = []
    for line, ref in references(deck):
        try:
            resolve(ref)
        except LookupError as err:
            broken.append(f"line {line}: {err}")
    assert not broken, "\n".join(broken)


def test_alignment_index_links_every_lesson_its_conspect_and_slides() -> None:
    index = (ALIGNMENT / "index.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        for link in (f"({lesson.name}/README.md)", f"({lesson.name}/conspect.md)"):
            assert link in index, link
        assert f'href="{lesson.name}/slides/"' in index


def test_alignment_homework_check_finds_what_does_not_exist() -> None:
    good = (LESSONS[7] / "README.md").read_text(encoding="utf-8")
    assert readme_problems(good) == []
    typo = good.replace("groundup learn start grpo", "groundup learn start grpoo")
    assert "no exercise 'grpoo'" in readme_problems(typo)
    assert "exercise 'grpo' without `groundup learn start grpo`" in readme_problems(typo)
    missing_run = good.replace("groundup run cartpole-ppo", "groundup run cartpole-ppp")
    assert readme_problems(missing_run) == ["no milestone 'cartpole-ppp'"]
    no_milestone = re.sub(r"- Milestone:.*\n", "", good)
    assert readme_problems(no_milestone) == [
        "the homework names no milestone (`groundup run NAME`)"
    ]
    no_reading = good.replace("## Reading", "## Further")
    assert "no section ## Reading" in readme_problems(no_reading)
    bare = re.sub(r"\(\d{4}\)", "", good)
    assert "the reading list has no full reference (Authors (Year). Title.)" in readme_problems(
        bare
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_alignment_readme_notebook_command_finds_its_conspect(lesson: Path) -> None:
    from groundup.cli.docs import find_lesson

    readme = (lesson / "README.md").read_text(encoding="utf-8")
    lesson_id = re.search(r"`groundup lesson (\S+) --notebook`", readme)[1]
    assert find_lesson(lesson_id, COURSE) == lesson / "conspect.md"
