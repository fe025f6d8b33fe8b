"""The alignment lessons' slides: Marp builds every deck into one self-contained HTML file, and
headless Chromium (Debian's, as in ``test_site.py``) finds each deck's math rendered and no raw
``$``; ``groundup docs slides N`` builds lesson N's deck, and the site hook puts every deck where
the lessons link it.

Marp CLI comes from ``package.json`` (``make dev`` runs ``npm ci``); without it these tests fail
with the command to run, never skip.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from groundup.cli import docs
from groundup.errors import GroundupError
from tests.course.course_blocks import COURSE, load_hook_module
from tests.course.test_site import CHROMIUM, CHROMIUM_FLAGS, QuietHandler, _playwright_available

LESSONS = sorted(p.parent.parent for p in COURSE.glob("alignment/lesson_*/slides/index.md"))

#: gathered in the deck once it has loaded: Marp renders the math at build time (MathJax, SVG)
INSPECT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("pre, code, mjx-container, script, style").forEach(e => e.remove());
  const math = Array.from(document.querySelectorAll("mjx-container"));
  return {
    text: copy.textContent,
    slides: document.querySelectorAll("section").length,
    math: math.length,
    drawn: math.filter(m => m.querySelector("svg path, svg use")).length,
    errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
  };
}"""


#: one worker under xdist (make test: --dist loadgroup): the slides are built once, by the module fixture
pytestmark = pytest.mark.xdist_group("slides")


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    try:
        built = docs.build_slides(out)
    except GroundupError as err:
        pytest.fail(str(err))
    assert [b.parent.parent.name for b in built] == [p.name for p in LESSONS]
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    if not _playwright_available():
        pytest.fail(
            "the slides test needs playwright (pip) and Debian's chromium at /usr/bin/chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 720},
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def base_url(decks: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(decks))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def deck_problems(context, url: str, screenshot: Path | None = None) -> list[str]:
    """Open a deck; return what is wrong (empty: fine). Checked: math typeset and drawn, no TeX
    error, no raw ``$`` or TeX in the text, at least 5 slides, no request off 127.0.0.1."""
    page = context.new_page()
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: (
            elsewhere.append(r.url)
            if not r.url.startswith(url[:22]) and not r.url.startswith("data:")
            else None
        ),
    )
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(200)
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        found = page.evaluate(INSPECT)
    finally:
        page.close()
    problems = [
        f"raw {raw!r} in the text" for raw in ("$", "\\frac", "\\(") if raw in found["text"]
    ]
    if found["slides"] < 5:
        problems.append(f"{found['slides']} slides")
    if not found["math"]:
        problems.append("no typeset math")
    if found["drawn"] != found["math"]:
        problems.append(
            f"{found['math'] - found['drawn']} of {found['math']} math elements not drawn"
        )
    if found["errors"]:
        problems.append(f"{found['errors']} TeX error(s)")
    if elsewhere:
        problems.append(f"requests off 127.0.0.1: {elsewhere[:3]}")
    return problems


def test_slides_every_deck_renders_its_math_offline(decks, base_url, browser, tmp_path) -> None:
    assert len(LESSONS) == 12
    problems = {}
    for lesson in LESSONS:
        html = decks / lesson.name / "slides" / "index.html"
        text = html.read_text(encoding="utf-8")
        # self-contained: no script, stylesheet or font loaded from elsewhere
        assert '<script src="http' not in text and '<link rel="stylesheet" href="http' not in text
        shot = tmp_path / "deck.png" if lesson.name == "lesson_08" else None
        found = deck_problems(browser, f"{base_url}{lesson.name}/slides/index.html", shot)
        if found:
            problems[lesson.name] = found
    assert not problems, problems
    assert (tmp_path / "deck.png").stat().st_size > 10_000


def test_slides_check_detects_raw_math_and_missing_math(decks, base_url, browser) -> None:
    good = (decks / "lesson_05" / "slides" / "index.html").read_text(encoding="utf-8")
    raw = decks / "raw.html"
    raw.write_text(good.replace("</section>", "<p>costs $x$</p></section>", 1), encoding="utf-8")
    assert deck_problems(browser, f"{base_url}raw.html") == ["raw '$' in the text"]
    plain = decks / "plain.html"
    plain.write_text(
        "<html><body>" + "<section><p>a slide</p></section>" * 5 + "</body></html>",
        encoding="utf-8",
    )
    assert deck_problems(browser, f"{base_url}plain.html") == ["no typeset math"]


def test_slides_command_builds_one_deck(tmp_path: Path) -> None:
    result = CliRunner().invoke(docs.app, ["slides", "7", "--no-open", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    deck = tmp_path / "lesson_07" / "slides" / "index.html"
    assert f"wrote {deck}" in result.output
    assert "TRPO" in deck.read_text(encoding="utf-8")
    assert not (tmp_path / "lesson_07" / "slides" / "index.md").exists()  # the staged copy is gone


def test_slides_command_names_the_lessons_when_one_does_not_exist() -> None:
    with pytest.raises(GroundupError, match=r"no alignment lesson '13'.*lesson_01"):
        docs.alignment_lesson("13")
    assert docs.alignment_lesson("lesson_05").name == "lesson_05"
    assert docs.alignment_lesson("05").name == "lesson_05"


def test_slides_marp_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GroundupError, match=r"npm ci"):
        docs.marp_command(tmp_path)


def test_slides_site_hook_puts_every_deck_where_the_lessons_link_it(tmp_path: Path) -> None:
    hook = load_hook_module("slides")
    hook.on_pre_build({"site_dir": str(tmp_path)})  # Marp starts, beside the pages' build
    hook.on_post_build({"site_dir": str(tmp_path)})
    for lesson in LESSONS:
        assert (tmp_path / "alignment" / lesson.name / "slides" / "index.html").is_file()
        readme = (lesson / "README.md").read_text(encoding="utf-8")
        assert (
            'href="slides/"' in readme
        )  # the README is the folder's index page: slides/ is beside it
