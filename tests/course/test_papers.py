"""The paper pages (``course/papers/``): each paper the syllabi name whose method groundup
implements, with its full reference, its key formulas decoded symbol by symbol in the code's
names, the functions that compute them, the milestones that reproduce it, and our result beside
the paper's.

The pages are not lessons (no figure, no exercises), so they are not in ``CONVERTED``; the checks
that ``CONVERTED`` switches on for lessons (the breakdown names) are applied here instead. Their
code blocks run with every page's (``test_codeblocks.py``) and their ``groundup.`` references
resolve with every page's (``test_references.py``); this module asks that each page *has* them,
and that our result quotes ``docs/results.md`` (where every figure is measured with its command,
seeds and machine load) or says it is not yet recorded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.course.course_blocks import COURSE, ROOT, lesson_format, references
from tests.course.test_notation import breakdowns, clashes, notation_rows, unknown_names
from tests.course.test_references import MILESTONE, resolve

PAPERS = COURSE / "papers"
PAGES = sorted(p for p in PAPERS.glob("*.md") if p.name != "index.md")
IDS = [p.name for p in PAGES]
#: a page's file name: the year, then a short name
FILE_NAME = re.compile(r"^(19|20)\d\d-[a-z0-9-]+\.md$")
#: the sections every page has, in this order
SECTIONS = ["Reference", "What the paper does", "Milestone", "Our result beside the paper's"]
RESULTS = ROOT / "docs" / "results.md"


def section(text: str, title: str) -> str:
    """The body of the ``## title...`` section (up to the next ``## ``), or ``""``."""
    m = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.M)
    return m[1].strip() if m else ""


def results_section(milestone: str, results: str | None = None) -> str:
    """The milestone's section of ``docs/results.md`` (or of ``results``; ``""`` if none)."""
    text = RESULTS.read_text(encoding="utf-8") if results is None else results
    m = re.search(rf"<!-- results:{re.escape(milestone)} -->(.*?)<!-- /results:", text, re.DOTALL)
    return m[1] if m else ""


def result_problems(text: str, results: str | None = None) -> list[str]:
    """Our result must quote a figure of a named milestone's ``docs/results.md`` section, or,
    when none of them has one, say it is not yet recorded or that no milestone reproduces the
    paper (empty: nothing wrong)."""
    from groundup.milestones import all_milestones

    milestones = section(text, "Milestone")
    named = MILESTONE.findall(milestones)
    unknown = [m for m in named if m not in all_milestones()]
    if unknown:
        return [f"no milestone {m!r}" for m in unknown]
    ours = section(text, "Our result beside the paper's")
    recorded = [r for r in (results_section(m, results) for m in named) if r]
    if not recorded:
        ok = "not yet recorded" in ours or "No milestone" in milestones
        return [] if ok else ["no docs/results.md section and no 'not yet recorded'"]
    figures = re.findall(r"\d+\.\d+", ours)
    if not any(f in r for f in figures for r in recorded):
        return [f"our result for {', '.join(named)} quotes none of docs/results.md's figures"]
    return []


def test_course_papers_there_are_pages() -> None:
    assert len(PAGES) >= 12, [p.name for p in PAGES]
    assert all(FILE_NAME.match(p.name) for p in PAGES), IDS


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_course_paper_page_has_its_sections_in_order(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    at = [re.search(rf"^## {re.escape(s)}", text, re.M) for s in SECTIONS]
    missing = [s for s, m in zip(SECTIONS, at, strict=True) if m is None]
    assert not missing, f"{page.name} lacks the sections {missing}"
    starts = [m.start() for m in at]
    assert starts == sorted(starts), f"{page.name}: sections not in the order {SECTIONS}"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_course_paper_page_gives_the_full_reference(page: Path) -> None:
    """Authors, the year in brackets, the title in italics, and where it appeared."""
    reference = section(page.read_text(encoding="utf-8"), "Reference")
    year = page.name[:4]
    assert f"({year})" in reference, f"{page.name}: no ({year}) in the reference"
    assert re.search(r"\*[^*]{10,}\*", reference), f"{page.name}: no *title* in the reference"
    assert re.search(
        r"arXiv:\d{4}\.\d{4,5}|Proceedings|Nature|Conference|Advances|Journal|KDD", reference
    ), f"{page.name}: the reference does not say where it appeared"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_course_paper_page_decodes_formulas_in_the_code_names(page: Path) -> None:
    """At least one breakdown table, each under the function it explains, naming what that
    function's module uses and agreeing with the notation page."""
    text = page.read_text(encoding="utf-8")
    rows = breakdowns(text)
    assert rows, f"{page.name}: no breakdown table (a table whose header starts | symbol | code |)"
    assert all(r.modules for r in rows), f"{page.name}: a breakdown without a function above it"
    problems = unknown_names(rows) + clashes(rows, notation_rows())
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_course_paper_page_links_functions_that_resolve_and_shows_them_run(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    refs = references(text)
    assert refs, f"{page.name}: links no groundup function"
    for line, ref in refs:
        try:
            resolve(ref)
        except LookupError as err:
            pytest.fail(f"{page.name}, line {line}: {err}")
    assert lesson_format.has_worked_output(text), f"{page.name}: no >>> worked example"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_course_paper_page_names_milestones_that_exist_and_our_result(page: Path) -> None:
    """Every ``groundup run NAME`` exists; a page with none says so in its milestone section."""
    from groundup.milestones import all_milestones

    text = page.read_text(encoding="utf-8")
    named = MILESTONE.findall(text)
    assert not [m for m in named if m not in all_milestones()], f"{page.name}: {named}"
    milestones = section(text, "Milestone")
    assert MILESTONE.search(milestones) or "No milestone" in milestones, (
        f"{page.name}: the milestone section names no `groundup run NAME` and does not say "
        "'No milestone'"
    )
    result = section(text, "Our result beside the paper's")
    assert "the paper" in result and "groundup" in result, f"{page.name}: no comparison"
    assert result_problems(text) == [], page.name


def test_course_papers_index_links_every_page() -> None:
    index = (PAPERS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([0-9a-z-]+\.md)\)", index))
    assert linked == {p.name for p in PAGES}


def test_course_papers_checks_can_fail() -> None:
    page = "## Reference\n\nA (2000). *Short.*\n\n## Milestone\n\n- `groundup run no-such-run`\n"
    assert section(page, "Reference") == "A (2000). *Short.*"
    assert section(page, "Our result beside the paper's") == ""
    assert MILESTONE.findall(page) == ["no-such-run"]
    bad = "implemented in `groundup.optimization.losses.mse.mse_loss`.\n\n" + (
        "| symbol | code |\n|---|---|\n| $x$ | `no_such_name` |\n"
    )
    assert unknown_names(breakdowns(bad))
    good = (
        "## Milestone\n\n- `groundup run lenet-mnist`\n\n## Our result beside the paper's\n\n"
        "| | the paper | groundup |\n|---|---|---|\n| test accuracy | 99.05 | 98.5 |\n"
    )
    results = "<!-- results:lenet-mnist -->\n| 0 | **98.5%** |\n<!-- /results:lenet-mnist -->\n"
    assert result_problems(good, results) == []
    assert result_problems(good.replace("98.5 |", "99.7 |"), results) == [
        "our result for lenet-mnist quotes none of docs/results.md's figures"
    ]
    assert result_problems(good.replace("lenet-mnist", "lenet-mnistt"), results) == [
        "no milestone 'lenet-mnistt'"
    ]
    unrecorded = good.replace("lenet-mnist", "ddpm-mnist")
    assert result_problems(unrecorded, results)
    assert result_problems(unrecorded.replace("98.5 |", "not yet recorded |"), results) == []
