"""The site: ``mkdocs build --strict`` passes, and headless Chromium finds every page as written:
math typeset (no raw ``$``), figures loaded, wide equations scrollable.

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

from tests.course.course_blocks import COURSE, ROOT, lesson_files, lesson_format, page_id

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


def build_site(site_dir: Path) -> subprocess.CompletedProcess:
    """Run ``mkdocs build --strict`` into ``site_dir``; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # a guard against a hung build, not a speed target: the build runs every figure
        # block and takes ~100 s alone, but over 340 s beside the test suite on two cores
        timeout=900,
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


#: Run in the page once MathJax is done: what the checks need, gathered in one pass.
INSPECT = """() => {
  const article = document.querySelector("article") || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll("pre, code, mjx-container, script, style, .headerlink").forEach(e => e.remove());
  const math = Array.from(article.querySelectorAll(".arithmatex"));
  const displays = Array.from(article.querySelectorAll("div.arithmatex"));
  return {
    text: copy.textContent,
    math: math.length,
    unrendered: math.filter(e => !e.querySelector("mjx-container")).length,
    errors: article.querySelectorAll("mjx-merror").length,
    // a glyph is drawn by its CSS ::before content; without it the math is laid out but invisible
    blank: Array.from(article.querySelectorAll("mjx-c")).filter(
      c => ["none", "normal", ""].includes(getComputedStyle(c, "::before").content)).length,
    // TeX shown as text: a backslash in the text of typeset math (e.g. \\text{num\\_layers} without textmacros)
    literal: Array.from(article.querySelectorAll("mjx-container mtext, mjx-container mjx-utext")).filter(
      e => e.textContent.includes("\\\\")).map(e => e.textContent),
    figures: Array.from(article.querySelectorAll("img.lesson-figure")).map(i => i.id),
    broken_images: Array.from(article.querySelectorAll("img")).filter(
      i => !(i.complete && i.naturalWidth > 0)).map(i => i.id || i.alt || i.src.slice(0, 40)),
    // a display equation wider than the column must scroll, not be cut off
    clipped: displays.filter(d => {
      const m = d.querySelector("mjx-container");
      if (!m || m.scrollWidth <= d.clientWidth + 1) return false;
      const scrolls = e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
      return !(scrolls(d) || scrolls(m));
    }).length,
  };
}"""

RAW = ("$", "\\(", "\\)", "\\[", "\\]", "\\frac")


def page_problems(
    context, url: str, figures: list[str], screenshot: Path | None = None
) -> list[str]:
    """Open ``url``, wait for MathJax; return what is wrong with the page (empty: fine).

    Checked: no raw ``$``/``$$`` or TeX in the visible text (code excluded), every math span
    typeset, no TeX error, no TeX macro shown as text inside the math, no invisible glyph, no display equation clipped, every image loaded,
    exactly the figures ``figures`` shown (in order), and no request off 127.0.0.1.
    """
    page = context.new_page()
    requests_elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: (
            requests_elsewhere.append(r.url)
            if not r.url.startswith(url[:22]) and not r.url.startswith("data:")
            else None
        ),
    )
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true :"
            " MathJax.startup.promise.then(() => true)",
            timeout=20000,
        )
        page.wait_for_timeout(100)
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=False)
        found = page.evaluate(INSPECT)
    finally:
        page.close()
    problems = [f"raw {raw!r} in the visible text" for raw in RAW if raw in found["text"]]
    if found["unrendered"]:
        problems.append(f"{found['unrendered']} of {found['math']} math element(s) not typeset")
    if found["blank"]:
        problems.append(f"{found['blank']} glyph(s) with no CSS content: the math is invisible")
    if found["errors"]:
        problems.append(f"{found['errors']} TeX error(s) (mjx-merror)")
    if found["literal"]:
        problems.append(f"TeX shown as text in typeset math: {found['literal'][:3]}")
    if found["clipped"]:
        problems.append(f"{found['clipped']} display equation(s) clipped: wider than the column")
    if found["broken_images"]:
        problems.append(f"image(s) not loaded: {found['broken_images']}")
    if found["figures"] != [f"figure-{name}" for name in figures]:
        problems.append(f"figures shown {found['figures']}, the page draws {figures}")
    if requests_elsewhere:
        problems.append(f"requests off 127.0.0.1: {requests_elsewhere[:3]}")
    return problems


def page_url(page: Path) -> str:
    """The built URL path of a lesson (MkDocs' directory URLs)."""
    rel = page.relative_to(COURSE).with_suffix("")
    if str(rel) == "index":
        return ""
    # a folder's README.md is its index page, as index.md is
    return str(rel.parent) + "/" if rel.name in ("index", "README") else f"{rel}/"


def test_course_browser_every_page_renders(site, serve, browser, tmp_path) -> None:
    base = serve(site)
    pages = lesson_files()
    assert len(pages) > 50
    problems = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        shot = tmp_path / "c1.png" if page.name == "c1-loss-functions.md" else None
        found = page_problems(browser, base + page_url(page), lesson_format.figures(text), shot)
        if found:
            problems[page_id(page)] = found
    assert not problems, "\n".join(f"{p}: {found}" for p, found in problems.items())
    assert (tmp_path / "c1.png").stat().st_size > 10_000
    keep = ROOT / "site-screenshots"
    if keep.is_dir():  # a developer who wants to look: mkdir site-screenshots
        shutil.copy(tmp_path / "c1.png", keep / "c1-loss-functions.png")


def test_course_browser_detects_broken_pages(site, serve, browser, tmp_path) -> None:
    broken_site = tmp_path / "broken"
    shutil.copytree(site, broken_site)
    # a page with math and no figure (every lesson now draws figures; the notation page does not)
    good = (broken_site / "notation" / "index.html").read_text(encoding="utf-8")

    def page(name: str, html: str) -> str:
        (broken_site / name).mkdir()
        (broken_site / name / "index.html").write_text(html, encoding="utf-8")
        return base + name + "/"

    base = serve(broken_site)
    # 1. math the Markdown step did not mark: raw $$ (or a lone $) stays in the text
    raw = page(
        "raw", good.replace("<article", "<article><p>$$L = \\frac{1}{N}$$</p></article><div", 1)
    )
    lone = page("lone", good.replace("<article", "<article><p>costs $x</p></article><div", 1))
    # 2. a TeX error inside a marked span
    bad_tex = page(
        "badtex", good.replace('class="arithmatex">\\(', 'class="arithmatex">\\(x^2^3 + ', 1)
    )
    # 3. MathJax missing: nothing is typeset
    no_js = page("nojs", good.replace("assets/mathjax/tex-chtml.js", "assets/none.js"))
    # 4. the glyphs' CSS cleared after typesetting: the math takes space but shows nothing
    blank = page(
        "blank",
        good.replace(
            "</body>",
            "<script>MathJax.startup.promise.then(() => { MathJax.startup.output.clearCache();"
            " MathJax.typesetClear(); return MathJax.typesetPromise(); });</script></body>",
        ),
    )
    # 5. a figure that does not load, and one missing
    figure = (
        '<img class="lesson-figure" id="figure-f" alt="figure: f" src="data:image/png;base64,AAAA">'
    )
    no_image = page(
        "noimage", good.replace("<article", f"<article><p>{figure}</p></article><div", 1)
    )
    # 6. a wide display equation in a column that hides what overflows
    wide = "\\[" + " + ".join(f"x_{{{i}}}^2" for i in range(120)) + "\\]"
    clipped = page(
        "clipped",
        good.replace(
            "<article",
            f'<article><div class="arithmatex" style="overflow: hidden">{wide}</div></article><div',
            1,
        ).replace("</head>", "<style>mjx-container { overflow: hidden !important }</style></head>"),
    )
    # 7. a text-mode macro with MathJax's textmacros package not loaded: "num\\_layers" shown
    config = (broken_site / "assets" / "javascripts" / "mathjax-config.js").read_text(
        encoding="utf-8"
    )
    plain = config.replace('load: ["[tex]/textmacros"],', "").replace(
        'packages: { "[+]": ["textmacros"] },', ""
    )
    assert plain != config
    (broken_site / "assets" / "javascripts" / "plain-config.js").write_text(plain, encoding="utf-8")
    literal = page(
        "literal",
        good.replace("javascripts/mathjax-config.js", "javascripts/plain-config.js").replace(
            "<article",
            '<article><p><span class="arithmatex">\\(\\text{num\\_layers}\\)</span></p></article><div',
            1,
        ),
    )
    ok = base + "notation/"
    assert page_problems(browser, ok, []) == []
    assert any("invisible" in p for p in page_problems(browser, blank, []))
    assert "raw '$' in the visible text" in page_problems(browser, raw, [])
    assert page_problems(browser, lone, []) == ["raw '$' in the visible text"]
    assert any("TeX error" in p for p in page_problems(browser, bad_tex, []))
    assert any("not typeset" in p for p in page_problems(browser, no_js, []))
    assert page_problems(browser, no_image, ["f"]) == ["image(s) not loaded: ['figure-f']"]
    assert page_problems(browser, ok, ["f"]) == ["figures shown [], the page draws ['f']"]
    assert page_problems(browser, literal, []) == [
        "TeX shown as text in typeset math: ['num\\\\_layers']"
    ]
    assert page_problems(browser, clipped, []) == [
        "1 display equation(s) clipped: wider than the column"
    ]
