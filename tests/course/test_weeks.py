"""The six-month syllabus's week pages list the exercises its track links, in the track's order."""

from __future__ import annotations

import re

from groundup.learn import catalog


def test_each_week_page_lists_the_exercises_of_its_track_item() -> None:
    items = catalog.get_track("six-month").items()
    assert len(items) == 24
    for n, item in enumerate(items, 1):
        page = catalog.course_dir() / "six-month" / f"week-{n:02d}.md"
        text = page.read_text(encoding="utf-8")
        assert text.startswith(f"# Week {n} · {item.title}"), page.name
        section = text.split("## Exercises", 1)[1].split("\n## ", 1)[0]
        listed = tuple(re.findall(r"`groundup check ([\w-]+)`", section))
        assert listed == item.exercises, (page.name, listed, item.exercises)
        if not listed:
            assert "None yet for this week." in section, page.name
