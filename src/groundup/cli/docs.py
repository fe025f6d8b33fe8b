"""`groundup docs serve|build|slides` (the course site, the alignment lessons' slides) and `groundup lesson ID --notebook`.

The site is MkDocs + Material over ``course/`` (configured by ``mkdocs.yml`` at the project root),
math rendered offline by MathJax from the ``django-static-mathjax`` package. ``groundup lesson``
finds a lesson by its id (the start of its file name, e.g. ``c1`` or ``a2-linear-algebra``) and
prints its path, or with ``--notebook`` writes it as a Jupyter notebook through jupytext: each
Python block becomes a code cell (a worked example's ``>>>`` statements without their shown
output), the prose and math become Markdown cells, and a first cell sets the print options the
lessons' output is written with.

The alignment course's slide decks (``course/alignment/lesson_NN/slides/index.md``) are Marp
Markdown, built by Marp CLI (an npm package, pinned in ``package.json``, installed by ``make dev``)
into one self-contained HTML file each, math rendered to SVG by MathJax at build time, so a deck
works offline; ``groundup docs slides N`` builds lesson N's and opens it, and the site build puts
every deck at ``alignment/lesson_NN/slides/`` (``course/assets/hooks/slides.py``).

The book is lessons 5-8's conspects as one PDF: ``mkdocs-book.yml`` builds only those pages, with
MkDocs' print-site plugin putting them on one page, and ``groundup docs book`` prints that page with
headless Chromium (Debian's, through Playwright) once MathJax has typeset it: all offline.
"""

from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import sys
import webbrowser
from collections.abc import Sequence
from pathlib import Path

import typer

from groundup.errors import GroundupError

#: the first cell of a lesson's notebook: the print options the lessons' shown output assumes
NOTEBOOK_SETUP = "import numpy as np\n\nnp.set_printoptions(precision=4, suppress=True)\n"

app = typer.Typer(help="The course site: serve it locally or build it.", no_args_is_help=True)


def project_root() -> Path:
    """The directory holding ``mkdocs.yml`` and ``course/``: the current one or a parent, else the source tree's."""
    candidates = [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[3]]
    for directory in candidates:
        if (directory / "mkdocs.yml").is_file() and (directory / "course").is_dir():
            return directory
    raise GroundupError(
        "no course found: run from the groundup project (the directory with mkdocs.yml and course/)"
    )


def _mkdocs(*args: str) -> int:
    try:
        import mkdocs  # noqa: F401
        import sybil  # noqa: F401  (the lessons hook reads each page's blocks with it)
    except ImportError as err:
        raise GroundupError(
            "the site needs the docs packages (pip install -e '.[dev]', or: pip install mkdocs "
            "'mkdocs-material<9.7' 'mkdocstrings[python]' django-static-mathjax sybil): "
            f"{err.name} is missing"
        ) from err
    return subprocess.call([sys.executable, "-m", "mkdocs", *args], cwd=project_root())


@app.command("build")
def build(
    site_dir: Path = typer.Option(
        None, "--site-dir", help="Where to write the site (default: site/)."
    ),
) -> None:
    """Build the site in strict mode (any warning is an error)."""
    args = ["build", "--strict"] + (["--site-dir", str(site_dir.resolve())] if site_dir else [])
    raise typer.Exit(_mkdocs(*args))


@app.command("serve")
def serve(
    port: int = typer.Option(8000, help="Port on 127.0.0.1."),
) -> None:
    """Serve the site on http://127.0.0.1:PORT, rebuilding when a lesson changes."""
    check_port_free(port)
    raise typer.Exit(_mkdocs("serve", "--dev-addr", f"127.0.0.1:{port}"))


def check_port_free(port: int, host: str = "127.0.0.1") -> None:
    """A one-line :class:`GroundupError` if ``host:port`` cannot be listened on (e.g. in use)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OverflowError:
            raise GroundupError(f"--port {port}: a port is a number from 1 to 65535") from None
        except OSError as exc:
            reason = (
                "is in use" if exc.errno in (48, 98, 10048) else f"cannot be used ({exc.strerror})"
            )
            raise GroundupError(
                f"port {port} on {host} {reason} (another `groundup docs serve`?): "
                f"choose another with `groundup docs serve --port {port + 1}`"
            ) from None


def find_lesson(lesson_id: str, course: Path | None = None) -> Path:
    """The lesson whose file name (or path under ``course/``) starts with ``lesson_id``.

    Raises
    ------
    GroundupError
        If no lesson or more than one matches; the message lists the candidates.
    """
    course = course or project_root() / "course"
    key = lesson_id.lower().removesuffix(".md")
    pages = [p for p in sorted(course.rglob("*.md")) if p.name != "index.md"]
    exact = [
        p for p in pages if key in (p.stem.lower(), str(p.relative_to(course).with_suffix("")))
    ]
    if len(exact) == 1:
        return exact[0]
    matches = [
        p
        for p in pages
        if p.stem.lower().startswith(key)
        or str(p.relative_to(course)).lower().startswith(key)
        or p.stem.lower().split("-")[0] == key
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise GroundupError(f"no lesson {lesson_id!r} under {course} (ids are file names, e.g. c1)")
    names = ", ".join(str(p.relative_to(course).with_suffix("")) for p in matches)
    raise GroundupError(f"lesson id {lesson_id!r} is ambiguous: {names}")


def write_notebook(lesson: Path, out: Path) -> Path:
    """Write ``lesson`` (Markdown) as the Jupyter notebook ``out`` with jupytext; return ``out``."""
    try:
        import jupytext
    except ImportError as err:
        raise GroundupError("--notebook needs jupytext: pip install jupytext") from err
    notebook = jupytext.read(lesson, fmt="md")
    # a worked example (`>>>` lines and their output) becomes the statements alone: the notebook
    # prints the output when the cell runs
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith(">>>"):
            examples = doctest.DocTestParser().get_examples(cell.source)
            cell.source = "\n".join(e.source.rstrip("\n") for e in examples)
    # the print options every lesson's output is written with (course/assets/hooks/lesson_format.py)
    setup = jupytext.reads(f"```python\n{NOTEBOOK_SETUP}```\n", fmt="md").cells[0]
    notebook.cells.insert(0, setup)
    # a block the lesson marks `<!-- raises: ... -->` fails on purpose: Jupyter's "raises-exception"
    # tag lets "Run all" continue past it
    for before, cell in zip(notebook.cells, notebook.cells[1:]):
        if (
            cell.cell_type == "code"
            and before.source.rstrip().endswith("-->")
            and ("<!-- raises:" in before.source.rstrip().splitlines()[-1])
        ):
            cell.metadata.setdefault("tags", []).append("raises-exception")
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    jupytext.write(notebook, out, fmt="ipynb")
    return out


def lesson(
    lesson_id: str = typer.Argument(..., help="Lesson id: the start of its file name, e.g. c1."),
    notebook: bool = typer.Option(
        False, "--notebook", help="Write the lesson as a Jupyter notebook."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Notebook path (default: ./<lesson>.ipynb)."
    ),
) -> None:
    """Print a lesson's path, or write it as a Jupyter notebook with --notebook."""
    path = find_lesson(lesson_id)
    if not notebook:
        typer.echo(str(path))
        return
    out = write_notebook(path, output or Path.cwd() / f"{path.stem}.ipynb")
    typer.echo(f"wrote {out}")


def alignment_lesson(lesson: str, course: Path | None = None) -> Path:
    """The folder of an alignment lesson, from ``5``, ``05``, ``lesson_05`` or ``lesson_05/``.

    >>> alignment_lesson("5").name
    'lesson_05'
    """
    course = course or project_root() / "course"
    m = re.fullmatch(r"(?:lesson_?)?0*(\d{1,2})/?", lesson.strip().lower())
    folder = course / "alignment" / f"lesson_{int(m[1]):02d}" if m else None
    if folder is None or not (folder / "slides" / "index.md").is_file():
        known = sorted(
            p.parent.parent.name for p in course.glob("alignment/lesson_*/slides/index.md")
        )
        raise GroundupError(
            f"no alignment lesson {lesson!r} with slides: give its number, e.g. 5 "
            f"(lessons: {', '.join(known) or 'none'})"
        )
    return folder


def marp_command(root: Path | None = None) -> list[str]:
    """The Marp CLI of the project (``node_modules/.bin/marp``), or a GroundupError saying how to install it."""
    root = root or project_root()
    marp = root / "node_modules" / ".bin" / "marp"
    if not marp.is_file():
        raise GroundupError(
            f"the slides need Marp CLI ({marp} is missing): run `make dev`, or `npm ci` in {root} "
            "(Node.js and npm: apt-get install -y npm)"
        )
    return [str(marp)]


def build_slides(out: Path, lessons: Sequence[Path] | None = None) -> list[Path]:
    """Build lessons' decks with Marp into ``out/lesson_NN/slides/index.html``; return those paths.

    Parameters
    ----------
    out : Path
        The directory that receives one ``lesson_NN/slides/`` folder per lesson (the site's
        ``alignment/``, or a build directory).
    lessons : sequence of Path, optional
        Lesson folders (``course/alignment/lesson_NN``); default every lesson with a deck.
    """
    return SlideBuild(out, lessons).wait()


class SlideBuild:
    """Marp building decks in the background: started by the constructor, finished by :meth:`wait`.

    The site hook starts it before the pages are built and collects it after, so the two overlap.
    """

    def __init__(self, out: Path, lessons: Sequence[Path] | None = None) -> None:
        root = project_root()
        if lessons is None:
            lessons = sorted(
                p.parent.parent for p in root.glob("course/alignment/lesson_*/slides/index.md")
            )
        marp = marp_command(root)
        self.staged = []
        for lesson in lessons:
            target = Path(out) / lesson.name / "slides"
            target.mkdir(parents=True, exist_ok=True)
            # Marp writes index.html beside its input: the deck is copied next to where it goes
            shutil.copyfile(lesson / "slides" / "index.md", target / "index.md")
            self.staged.append(target / "index.md")
        self.process = subprocess.Popen(
            [*marp, "--no-stdin", "--html=false", *map(str, self.staged)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait(self, timeout: float = 600) -> list[Path]:
        """Wait for Marp; return the decks' HTML paths (a GroundupError if any is missing)."""
        try:
            output, _ = self.process.communicate(timeout=timeout)
        finally:
            for source in self.staged:
                source.unlink(missing_ok=True)
        built = [s.with_suffix(".html") for s in self.staged]
        if self.process.returncode or not all(b.is_file() for b in built):
            raise GroundupError(f"Marp could not build the slides:\n{(output or '')[-2000:]}")
        return built


@app.command("slides")
def slides(
    lesson: str = typer.Argument(..., help="The alignment lesson's number, e.g. 5."),
    output: Path = typer.Option(
        None, "--output", "-o", help="Directory for the deck (default: build/slides/)."
    ),
    open_browser: bool = typer.Option(
        True, "--open/--no-open", help="Open the deck in the web browser."
    ),
) -> None:
    """Build an alignment lesson's slides (one offline HTML file) and open them."""
    folder = alignment_lesson(lesson)
    out = (output or project_root() / "build" / "slides").resolve()
    deck = build_slides(out, [folder])[0]
    typer.echo(f"wrote {deck}")
    if open_browser:
        webbrowser.open(deck.as_uri())


#: Debian's chromium, which Playwright drives (no browser is downloaded)
CHROMIUM = "/usr/bin/chromium"


def print_to_pdf(html: Path, pdf: Path, chromium: str = CHROMIUM) -> Path:
    """Print a local HTML page to ``pdf`` with headless Chromium, after MathJax has typeset it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise GroundupError("the book needs playwright: pip install -e '.[dev]'") from err
    if not Path(chromium).is_file():
        raise GroundupError(f"the book needs Chromium at {chromium}: apt-get install -y chromium")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(pdf.name + ".part")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--headless"]
        )
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true :"
                " MathJax.startup.promise.then(() => true)",
                timeout=120_000,
            )
            page.emulate_media(media="print")
            page.pdf(
                path=str(partial),
                format="A4",
                print_background=True,
                margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
    partial.replace(pdf)  # written whole or not at all
    return pdf


def build_book(pdf: Path) -> Path:
    """Build lessons 5-8's conspects (``mkdocs-book.yml``) and print them to ``pdf``; return it."""
    root = project_root()
    site = pdf.parent / "site"
    if _mkdocs(
        "build", "--strict", "-f", str(root / "mkdocs-book.yml"), "--site-dir", str(site.resolve())
    ):
        raise GroundupError("the book's pages did not build: see the mkdocs messages above")
    return print_to_pdf(site / "print_page" / "index.html", pdf)


@app.command("book")
def book(
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="The PDF (default: build/book/rl-foundations-for-llm-alignment.pdf).",
    ),
) -> None:
    """Build the book of lessons 5-8 (their conspects) as one PDF, offline."""
    pdf = (
        output or project_root() / "build" / "book" / "rl-foundations-for-llm-alignment.pdf"
    ).resolve()
    typer.echo(f"wrote {build_book(pdf)}")
