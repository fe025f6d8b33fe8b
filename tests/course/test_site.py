"""The site: ``mkdocs build --strict`` passes, and headless Chromium finds the math rendered.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``), driven by Playwright over its own
executable: no browser is downloaded. Pages are served from the built site on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LESSONS = [
    "formulas/c1-loss-functions/",
    "formulas/a2-linear-algebra/",
    "formulas/b1-embeddings-cosine-similarity/",
]


def build_site(site_dir: Path) -> subprocess.CompletedProcess:
    """Run ``mkdocs build --strict`` into ``site_dir``; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site") / "site"
    done = build_site(site_dir)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-4000:]}"
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)
    return site_dir


def test_course_site_builds_strict_with_offline_math_and_search(site: Path) -> None:
    assert (site / "assets" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "search" / "search_index.json").is_file()
    page = (site / "formulas" / "c1-loss-functions" / "index.html").read_text(encoding="utf-8")
    assert 'class="arithmatex"' in page
    assert "assets/mathjax/tex-chtml.js" in page
    # no script or stylesheet is loaded from another host
    assert '<script src="http' not in page and '<link href="http' not in page.replace(
        '<link href="https://squidfunk', ""
    )
    api = (site / "api" / "losses" / "index.html").read_text(encoding="utf-8")
    assert "cross_entropy" in api and "Cross-entropy of logits" in api


@functools.cache
def _playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).is_file()


@pytest.fixture(scope="module")
def serve() -> Iterator:
    """A function serving a directory on 127.0.0.1; returns its base URL."""
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    if not _playwright_available():
        pytest.fail(
            "the browser test needs playwright (pip) and Debian's chromium at /usr/bin/chromium "
            "(apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1200, "height": 1600},
        )
        yield context
        context.close()


def math_problems(context, url: str, screenshot: Path) -> list[str]:
    """Open ``url``, wait for MathJax, screenshot it; return what is wrong with its math (empty: fine)."""
    page = context.new_page()
    requests_elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: requests_elsewhere.append(r.url) if not r.url.startswith(url[:22]) else None,
    )
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true :"
            " MathJax.startup.promise.then(() => true)",
            timeout=20000,
        )
        page.wait_for_timeout(300)
        page.screenshot(path=str(screenshot), full_page=False)
        text = page.inner_text(
            "body"
        )  # the article and the navigation (headings appear in the TOC)
        rendered = page.locator("mjx-container").count()
        errors = page.locator("mjx-merror").count()
        # a glyph is drawn by its CSS ::before content; without it the math is laid out but invisible
        blank = page.evaluate(
            "() => Array.from(document.querySelectorAll('mjx-c')).filter("
            "c => ['none', 'normal', ''].includes(getComputedStyle(c, '::before').content)).length"
        )
    finally:
        page.close()
    problems = []
    for raw in ("$$", "\\(", "\\[", "\\frac"):
        if raw in text:
            problems.append(f"raw {raw!r} in the visible text")
    if rendered == 0:
        problems.append("no rendered math element (mjx-container)")
    if blank:
        problems.append(f"{blank} glyph(s) with no CSS content: the math is invisible")
    if errors:
        problems.append(f"{errors} TeX error(s) (mjx-merror)")
    if requests_elsewhere:
        problems.append(f"requests off 127.0.0.1: {requests_elsewhere[:3]}")
    return problems


def test_course_browser_renders_math_in_three_lessons(site, serve, browser, tmp_path) -> None:
    base = serve(site)
    for i, lesson in enumerate(LESSONS):
        shot = tmp_path / f"lesson{i}.png"
        assert math_problems(browser, base + lesson, shot) == [], lesson
        assert shot.stat().st_size > 10_000
    keep = ROOT / "site-screenshots"
    if keep.is_dir():  # a developer who wants to look: mkdir site-screenshots
        shutil.copy(tmp_path / "lesson0.png", keep / "c1-loss-functions.png")


def test_course_browser_detects_broken_math(site, serve, browser, tmp_path) -> None:
    broken_site = tmp_path / "broken"
    shutil.copytree(site, broken_site)
    good = (broken_site / "formulas" / "c1-loss-functions" / "index.html").read_text(
        encoding="utf-8"
    )
    # 1. math the Markdown step did not mark: raw $$ stays in the text
    raw = broken_site / "raw" / "index.html"
    raw.parent.mkdir()
    raw.write_text(
        good.replace("<article", "<article><p>$$L = \\frac{1}{N}$$</p></article><div", 1),
        encoding="utf-8",
    )
    # 2. a TeX error inside a marked span
    bad_tex = broken_site / "badtex" / "index.html"
    bad_tex.parent.mkdir()
    bad_tex.write_text(
        good.replace(
            'class="arithmatex">\\(', 'class="arithmatex">\\(x^2^3 + ', 1
        ),  # double exponent
        encoding="utf-8",
    )
    # 3. MathJax missing: nothing is typeset
    no_js = broken_site / "nojs" / "index.html"
    no_js.parent.mkdir()
    no_js.write_text(
        good.replace("assets/mathjax/tex-chtml.js", "assets/none.js"), encoding="utf-8"
    )
    # 4. the glyphs' CSS cleared after typesetting: the math takes space but shows nothing
    blank = broken_site / "blank" / "index.html"
    blank.parent.mkdir()
    blank.write_text(
        good.replace(
            "</body>",
            "<script>MathJax.startup.promise.then(() => { MathJax.startup.output.clearCache();"
            " MathJax.typesetClear(); return MathJax.typesetPromise(); });</script></body>",
        ),
        encoding="utf-8",
    )
    base = serve(broken_site)
    assert any(
        "invisible" in p for p in math_problems(browser, base + "blank/", tmp_path / "k.png")
    )
    assert math_problems(browser, base + "formulas/c1-loss-functions/", tmp_path / "ok.png") == []
    assert any("raw '$$'" in p for p in math_problems(browser, base + "raw/", tmp_path / "r.png"))
    assert any(
        "TeX error" in p for p in math_problems(browser, base + "badtex/", tmp_path / "b.png")
    )
    problems = math_problems(browser, base + "nojs/", tmp_path / "n.png")
    assert "no rendered math element (mjx-container)" in problems
