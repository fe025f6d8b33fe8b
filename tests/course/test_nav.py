"""The site's order and the way in: the nav lists every page in the course's order, and the home
page and the README say how to start each of the three ways in, with commands that exist."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.course.course_blocks import COURSE, ROOT, lesson_files, page_id

TABS = ["Start here", "Formulas", "Implementation", "Alignment", "Study guide", "Six months", "API"]
#: the commands of the three ways in: read the course, do the exercises, train the milestones
WAYS_IN = {
    "read": ["groundup docs serve", "groundup lesson c1"],
    "exercises": [
        "groundup learn init",
        "groundup learn start math-utils",
        "groundup check",
        "groundup learn watch",
    ],
    "milestones": ["groundup run --list", "groundup run mlp-mnist"],
}


def nav() -> list[Any]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return config["nav"]


def pages_in(entries: list[Any]) -> list[str]:
    """Every file a nav (or part of one) lists, in order."""
    found: list[str] = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        found += pages_in(value) if isinstance(value, list) else [value]
    return found


def test_course_nav_lists_every_page_once() -> None:
    listed = pages_in(nav())
    assert len(listed) == len(set(listed)), "a page is listed twice in mkdocs.yml's nav"
    missing = sorted({page_id(p) for p in lesson_files()} - set(listed))
    assert not missing, f"add these pages to the nav in mkdocs.yml: {missing}"
    assert all((COURSE / p).is_file() for p in listed)


def test_course_nav_tabs_are_in_the_course_order() -> None:
    assert [next(iter(e)) for e in nav()] == TABS
    assert pages_in(nav())[0] == "index.md"


def test_course_implementation_phases_are_in_order_and_match_the_track_page() -> None:
    implementation = next(e["Implementation"] for e in nav() if "Implementation" in e)
    phases = [next(iter(e)) for e in implementation if isinstance(e, dict)]
    numbers = [int(re.match(r"Phase (\d+) · ", p)[1]) for p in phases]
    # in order, each once; phases without a lesson yet (7-9 before Phase 10's) are skipped
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    # the track page's table says which phase each lesson belongs to
    table = (COURSE / "implementation" / "index.md").read_text(encoding="utf-8")
    phase_of = {
        f"implementation/{m[2]}": int(m[1])
        for m in re.finditer(r"^\| (\d+) · [^|]+\| \[[^]]+\]\(([^)]+)\) \|$", table, re.MULTILINE)
    }
    in_nav = {
        page: int(re.match(r"Phase (\d+)", next(iter(e)))[1])
        for e in implementation
        if isinstance(e, dict)
        for page in pages_in(next(iter(e.values())))
    }
    assert phase_of and in_nav == phase_of


@pytest.mark.parametrize("where", ["course/index.md", "README.md"])
def test_course_way_in_names_each_command(where: str) -> None:
    text = (ROOT / where).read_text(encoding="utf-8")
    start = text[text.index("## Start here") :]
    missing = [cmd for cmds in WAYS_IN.values() for cmd in cmds if cmd not in start]
    assert not missing, f"{where}'s Start here does not name {missing}"


def test_course_home_page_links_a_lesson_of_every_track() -> None:
    home = (COURSE / "index.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(([^)#]+\.md)\)", home))
    assert all((COURSE / link).is_file() for link in links)
    for directory in ("formulas", "implementation", "alignment", "study-guide", "six-month"):
        lessons = {
            link for link in links if link.startswith(directory + "/") and "index" not in link
        }
        assert lessons, f"the home page links no lesson of {directory}/"


@pytest.mark.parametrize("command", [c for cmds in WAYS_IN.values() for c in cmds])
def test_course_way_in_commands_exist(command: str) -> None:
    """Each command the way in names is a real command (its --help works)."""
    from groundup.cli import app

    words = [w for w in command.split()[1:] if not w.startswith("-")]
    path = [w for w in words if w not in ("c1", "math-utils", "mlp-mnist")]
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (command, result.output)
