"""The book: lessons 5-8's conspects as one PDF (``groundup docs book``), built offline.

The book's HTML (MkDocs' print-site page) is opened in headless Chromium and checked as the site's
pages are (math typeset, no raw ``$``, every figure shown); the PDF has every section of the four
chapters, its text has no TeX outside the code, its math is set in MathJax's fonts (embedded as
Type 3 fonts: the only web fonts the book uses), and every page, rendered by ``pdftoppm``, has ink.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from groundup.cli import docs
from groundup.errors import GroundupError
from tests.course.course_blocks import COURSE, lesson_format, python_blocks
from tests.course.test_site import browser, page_problems, serve  # noqa: F401  (fixtures)

CHAPTERS = [COURSE / "alignment" / f"lesson_{n:02d}" / "conspect.md" for n in (5, 6, 7, 8)]
RAW = ("$", "\\frac", "\\(", "\\[", "\\mathbb")


#: one worker under xdist (make test: --dist loadgroup): the book is built once, by the module fixture
pytestmark = pytest.mark.xdist_group("book")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in ("pdftoppm", "pdftotext", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.fail(f"the book test needs {tool}: apt-get install -y poppler-utils")
    out = tmp_path_factory.mktemp("book")
    try:
        return docs.build_book(out / "book.pdf")
    except GroundupError as err:
        pytest.fail(str(err))


def pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


def code_text() -> str:
    """The chapters' code, where ``$`` and TeX may appear as written (Matplotlib labels)."""
    return "\n".join(b.source for page in CHAPTERS for b in python_blocks(page.read_text()))


def pdf_problems(pdf: Path) -> list[str]:
    """What is wrong with a printed book (empty: fine): raw TeX outside the code, pages without the
    math fonts, pages without ink."""
    problems = []
    code = re.sub(r"\s+", "", code_text())
    for n, line in enumerate(pdf_text(pdf).splitlines(), 1):
        if any(raw in line for raw in RAW) and re.sub(r"\s+", "", line) not in code:
            problems.append(f"raw TeX in the text, line {n}: {line.strip()[:60]!r}")
    pages = page_count(pdf)
    with_math_fonts = 0
    for page in range(1, pages + 1):
        fonts = subprocess.run(
            ["pdffonts", "-f", str(page), "-l", str(page), str(pdf)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        with_math_fonts += "Type 3" in fonts
    if with_math_fonts < pages // 2:
        problems.append(f"MathJax's fonts on {with_math_fonts} of {pages} pages only")
    with_ink = 0
    shots = pdf.parent / f"{pdf.stem}-pages"
    shots.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(shots / "p")], check=True)
    for image in sorted(shots.glob("p-*.png")):
        gray = np.asarray(Image.open(image).convert("L"))
        with_ink += (gray < 200).mean() > 0.005  # text is grey at 30 dpi; a blank page is white
    if with_ink != pages:
        problems.append(f"{pages - with_ink} blank page(s)")
    return problems


def test_book_pdf_has_every_section_and_typeset_math(book: Path) -> None:
    text = re.sub(r"\s+", " ", pdf_text(book))
    missing = []
    for chapter in CHAPTERS:
        prose = re.sub(r"^```.*?^```", "", chapter.read_text(), flags=re.DOTALL | re.MULTILINE)
        for heading in re.findall(r"^#{1,2} (.+)$", prose, re.MULTILINE):
            if re.sub(r"\s+", " ", heading.replace("`", "")) not in text:
                missing.append(f"{chapter.parent.name}: {heading}")
    assert not missing, missing
    assert page_count(book) >= 12
    assert pdf_problems(book) == []


def test_book_check_finds_untypeset_math(book: Path, tmp_path: Path) -> None:
    site = book.parent / "site"
    page = site / "print_page" / "index.html"
    broken = page.with_name("no-mathjax.html")
    broken.write_text(
        page.read_text(encoding="utf-8").replace("assets/mathjax/tex-chtml.js", "assets/none.js"),
        encoding="utf-8",
    )
    pdf = docs.print_to_pdf(broken, tmp_path / "broken.pdf")
    problems = pdf_problems(pdf)
    assert any(p.startswith("raw TeX in the text") for p in problems)
    assert any(p.startswith("MathJax's fonts on 0 of") for p in problems)


def test_book_command_names_the_pdf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    made = []
    monkeypatch.setattr(docs, "build_book", lambda pdf: made.append(pdf) or pdf)
    result = CliRunner().invoke(docs.app, ["book", "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0, result.output
    assert made == [(tmp_path / "b.pdf").resolve()]
    assert f"wrote {(tmp_path / 'b.pdf').resolve()}" in result.output


# last: the browser fixture keeps a Playwright session open until the module ends, and
# print_to_pdf (the tests above) cannot start a second one inside it
def test_book_html_renders_math_and_figures(book: Path, serve, browser) -> None:  # noqa: F811
    site = book.parent / "site"
    base = serve(site)
    figures = [name for chapter in CHAPTERS for name in lesson_format.figures(chapter.read_text())]
    assert len(figures) == 4
    assert page_problems(browser, base + "print_page/", figures) == []
