"""`groundup docs serve|build` (the course site) and `groundup lesson ID --notebook`.

The site is MkDocs + Material over ``course/`` (configured by ``mkdocs.yml`` at the project root),
math rendered offline by MathJax from the ``django-static-mathjax`` package. ``groundup lesson``
finds a lesson by its id (the start of its file name, e.g. ``c1`` or ``a2-linear-algebra``) and
prints its path, or with ``--notebook`` writes it as a Jupyter notebook through jupytext: each
Python block becomes a code cell (a worked example's ``>>>`` statements without their shown
output), the prose and math become Markdown cells, and a first cell sets the print options the
lessons' output is written with.
"""

from __future__ import annotations

import doctest
import subprocess
import sys
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
