"""The paper pages (``course/papers/``): each decodes a paper's formulas in the code's names, names the
milestone that reproduces it, and puts our measured result beside the paper's, quoting
``docs/results.md``.

The breakdown tables are checked against the functions they decode by ``test_notation.py``, the
``groundup.`` references by ``test_references.py`` and the code by ``test_codeblocks.py``; this
module checks what is particular to a paper page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from groundup.milestones import all_milestones
from tests.course.course_blocks import COURSE, ROOT

PAPERS = sorted(p for p in (COURSE / "papers").glob("*.md") if p.name != "index.md")
RESULTS = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")


def results_section(milestone: str) -> str:
    m = re.search(
        rf"<!-- results:{re.escape(milestone)} -->(.*?)<!-- /results:", RESULTS, re.DOTALL
    )
    return m[1] if m else ""


def paper_problems(text: str) -> list[str]:
    """What a paper page lacks (empty: nothing)."""
    problems = []
    if not re.search(r"\w, [A-Z]\.[^()]*\(\d{4}\)\. [^.]+\.", text):  # the title may wrap
        problems.append("no full reference (Authors (Year). Title.)")
    if not re.search(r"^\|\s*symbol\s*\|\s*code\s*\|", text, re.MULTILINE):
        problems.append("no symbol-by-symbol breakdown (a | symbol | code | table)")
    ours = re.search(r"^## Their result and ours\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    if not ours:
        return problems + ["no section ## Their result and ours"]
    rows = [r for r in ours[1].splitlines() if r.startswith("| groundup") and "groundup run" in r]
    if not rows:
        problems.append("no row of ours (| groundup, `groundup run NAME` ...)")
    for row in rows:
        name = re.search(r"groundup run ([\w-]+)", row)[1]
        if name not in all_milestones():
            problems.append(f"no milestone {name!r}")
            continue
        section = results_section(name)
        numbers = re.findall(r"\d+\.\d+", row)
        if not section or not any(n in section for n in numbers):
            problems.append(f"our result for {name} quotes none of docs/results.md's figures")
    return problems


@pytest.mark.parametrize("paper", PAPERS, ids=[p.stem for p in PAPERS])
def test_paper_page_decodes_and_compares(paper: Path) -> None:
    assert paper_problems(paper.read_text(encoding="utf-8")) == []


def test_papers_index_lists_every_paper_page() -> None:
    index = (COURSE / "papers" / "index.md").read_text(encoding="utf-8")
    assert len(PAPERS) >= 4
    for paper in PAPERS:
        assert f"]({paper.name})" in index, paper.name


def test_paper_check_finds_a_result_not_in_the_results() -> None:
    good = (COURSE / "papers" / "lecun-1998-lenet.md").read_text(encoding="utf-8")
    assert paper_problems(good) == []
    made_up = good.replace("(98.5 % accuracy)", "(99.7 % accuracy)")
    assert paper_problems(made_up) == [
        "our result for lenet-mnist quotes none of docs/results.md's figures"
    ]
    assert paper_problems(
        good.replace("groundup run lenet-mnist", "groundup run lenet-mnistt")
    ) == ["no milestone 'lenet-mnistt'"]
    assert "no symbol-by-symbol breakdown (a | symbol | code | table)" in paper_problems(
        good.replace("| symbol | code |", "| sym | code |")
    )
