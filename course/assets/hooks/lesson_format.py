"""The lesson format: how a lesson's Python blocks are read, run, compared and drawn.

One definition for the test suite (``tests/course``) and the site build (the ``lessons`` hook),
parsed by Sybil. In a lesson (any ``course/**/*.md``):

- A ```` ```python ```` block is code. The blocks of a page run in page order in one namespace,
  like a notebook's cells; a block indented inside a list item counts too.
- A ```` ```python ```` block whose first line starts with ``>>>`` is a **worked example with its
  output**, in doctest syntax: the lines after each ``>>>`` statement are the output it must print,
  compared with ``NORMALIZE_WHITESPACE``, ``ELLIPSIS`` and Sybil's ``NUMBER`` (a number is
  compared to the decimals shown, within one unit of the last one: ``0.333`` matches
  ``0.33333``, ``0.335`` does not). An example that fails shows its
  ``Traceback (most recent call last):`` and the last line, as doctest does. The site shows these
  blocks as a console session (the fence's language becomes ``pycon``).
- A code block whose first line is ``# figure: NAME`` (NAME: letters, digits, ``-``, ``_``)
  **draws a figure**: at site build the figure ``plt.gcf()`` left by the block is saved as a PNG
  and shown right after the block (never a committed image); in the test suite the block runs, must
  have drawn something, and its figures are closed. A figure block starts on a fresh figure.
- ``<!-- raises: ValueError -->`` on the line just before a fence: the block must raise that
  exception (a builtin or a dotted path). Prefer a worked example showing the traceback.
- Every page runs with NumPy's print options ``PRINT_OPTIONS`` (4 decimals, no scientific notation
  for small numbers) and Matplotlib's ``Agg`` backend; a learner gets the same output after
  ``np.set_printoptions(precision=4, suppress=True)``.
"""

from __future__ import annotations

import builtins
import doctest
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: NumPy's print options while a page runs (the printed output of worked examples depends on them)
PRINT_OPTIONS: dict[str, Any] = {"precision": 4, "suppress": True}


#: how a worked example's printed output is compared with the expected text
def _doctest_flags() -> int:
    from sybil.evaluators.doctest import NUMBER  # numbers compared to the precision shown

    return doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS | NUMBER


DOCTEST_FLAGS = _doctest_flags()
#: the first line of a block that draws a figure
FIGURE = re.compile(r"\A# figure: (?P<name>[A-Za-z0-9][\w-]*)[ \t]*$", re.MULTILINE)
#: the marker, on the line before a fence, of a block that must raise
RAISES = re.compile(r"^[ \t]*<!--\s*raises:\s*(?P<name>[\w.]+)\s*-->[ \t]*$")
#: a line that looks like a figure marker but is not one (caught by ``check_markers``)
FIGURE_LIKE = re.compile(r"^#\s*figure\b", re.IGNORECASE)

#: receives each figure a page draws: ``(name, matplotlib Figure, Block)``
FigureSink = Callable[[str, Any, "Block"], None]


@dataclass(frozen=True)
class Block:
    """One fenced block of a lesson: where it is, its language, source and kind.

    ``kind`` is ``"code"``, ``"example"`` (doctest: starts with ``>>>``) or ``"figure"``.
    ``start``/``end`` are character offsets of the opening fence's line start and the closing
    fence's end; ``prefix`` is the opening line's text before the fence (indentation or a list
    marker); ``line`` is the 1-based line of the opening fence.
    """

    start: int
    end: int
    line: int
    prefix: str
    language: str
    source: str
    kind: str
    figure: str | None = None
    raises: str | None = None


def _lexer() -> Any:
    from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

    return FencedCodeBlockLexer(
        language=r"[^\n]*", mapping={"language": "language", "source": "source"}
    )


def blocks(text: str, path: str = "<lesson>") -> list[Block]:
    """Every fenced block of a Markdown text, in page order (any language)."""
    from sybil import Document

    document = Document(text, path)
    found = []
    for region in _lexer()(document):
        language = region.lexemes["language"].strip().split()
        language = language[0].lower().lstrip("{.").rstrip("}") if language else ""
        source = str(region.lexemes["source"])
        line_start = text.rfind("\n", 0, region.start) + 1
        opening = text[line_start : text.find("\n", region.start)]
        prefix = opening[: len(opening) - len(opening.lstrip(" \t>-*+0123456789.)"))]
        before = text[:line_start].rstrip("\n").rsplit("\n", 1)[-1] if line_start else ""
        marker = RAISES.match(before)
        figure = FIGURE.match(source)
        kind = "code"
        if language in ("python", "py", "pycon"):
            if source.lstrip().startswith(">>>"):
                kind = "example"
            elif figure:
                kind = "figure"
        found.append(
            Block(
                start=line_start,
                end=region.end,
                line=text.count("\n", 0, line_start) + 1,
                prefix=prefix,
                language=language,
                source=source,
                kind=kind,
                figure=figure["name"] if figure and kind == "figure" else None,
                raises=marker["name"] if marker else None,
            )
        )
    return found


def python_blocks(text: str, path: str = "<lesson>") -> list[Block]:
    """The Python blocks of a lesson (code, worked examples, figures), in page order."""
    return [b for b in blocks(text, path) if b.language in ("python", "py", "pycon")]


def check_markers(text: str, path: str = "<lesson>") -> list[str]:
    """What is wrong with a page's figure and raises markers (empty: fine).

    A ``# figure`` line that is not exactly ``# figure: NAME`` on a block's first line, a figure
    name used twice, a figure marker inside a worked example, a raises marker on a worked example.
    """
    problems = []
    seen: set[str] = set()
    for b in python_blocks(text, path):
        first, *rest = b.source.splitlines() or [""]
        if b.kind != "figure" and FIGURE_LIKE.match(first.lstrip(">. ")):
            problems.append(f"line {b.line}: {first!r} is not `# figure: NAME` on a code block")
        for n, line in enumerate(rest, start=2):
            if FIGURE_LIKE.match(line.strip()):
                problems.append(
                    f"line {b.line + n}: a figure marker must be the block's first line"
                )
        if b.figure in seen:
            problems.append(f"line {b.line}: figure {b.figure!r} is drawn twice on the page")
        if b.figure:
            seen.add(b.figure)
        if b.raises and b.kind == "example":
            problems.append(
                f"line {b.line}: a worked example shows its traceback; drop the raises marker"
            )
    return problems


def exception_class(name: str) -> type[BaseException]:
    """The exception class a ``raises`` marker names: a builtin or a dotted path."""
    if "." not in name:
        cls = getattr(builtins, name, None)
    else:
        module, _, attr = name.rpartition(".")
        cls = getattr(importlib.import_module(module), attr, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise ValueError(f"raises marker names {name!r}, which is not an exception class")
    return cls


class LessonError(AssertionError):
    """A lesson's block did not run as its page says (the message names the page and line)."""


def _code_evaluator(block: Block, on_figure: FigureSink | None) -> Callable[[Any], None]:
    """Sybil evaluator of one code block: runs it, checks its raises marker, hands on its figure."""

    def evaluate(example: Any) -> None:
        import matplotlib.pyplot as plt

        path = example.path
        if block.kind == "figure":
            plt.close("all")
        # padded so that tracebacks name the page's own line numbers
        source = "\n" * (example.line + example.parsed.line_offset) + str(example.parsed)
        code = compile(source, path, "exec", dont_inherit=True)
        try:
            exec(code, example.namespace)
        except Exception as err:
            if block.raises is not None and isinstance(err, exception_class(block.raises)):
                return
            raise LessonError(
                f"{path}, block at line {block.line} raised {type(err).__name__}: {err}"
            ) from err
        finally:
            example.namespace.pop("__builtins__", None)
        if block.raises is not None:
            raise LessonError(
                f"{path}, block at line {block.line} is marked `raises: {block.raises}` "
                "but ran without raising it"
            )
        if block.kind == "figure":
            figure = plt.gcf()
            if not figure.axes:
                raise LessonError(
                    f"{path}, figure {block.figure!r} (line {block.line}) drew nothing: the block "
                    "must leave its plot as the current figure"
                )
            if on_figure is not None:
                on_figure(block.figure, figure, block)
            plt.close("all")

    return evaluate


def parse(text: str, path: str = "<lesson>", on_figure: FigureSink | None = None) -> Any:
    """The page as a Sybil ``Document`` whose examples are its Python blocks, in page order.

    Code blocks get the format's evaluator (figures, raises markers); a worked example becomes one
    Sybil doctest example per ``>>>`` statement, compared with ``DOCTEST_FLAGS``.
    """
    from sybil import Document
    from sybil.parsers.markdown import PythonCodeBlockParser

    document = Document(text, path)
    document.namespace["__name__"] = "__lesson__"
    by_start = {b.start: b for b in python_blocks(text, path)}
    for region in PythonCodeBlockParser(doctest_optionflags=DOCTEST_FLAGS)(document):
        block = by_start.get(region.start)
        if block is not None and block.kind != "example":
            region.evaluator = _code_evaluator(block, on_figure)
        document.add(region)
    return document


def run_lesson(text: str, path: str = "<lesson>", on_figure: FigureSink | None = None) -> int:
    """Run every Python block of a lesson (Sybil, page order, one namespace); return how many ran.

    Code blocks run as they are; worked examples are compared with their shown output; figure
    blocks run on a fresh figure, must draw something, and the figure goes to ``on_figure`` (the
    site build) or is closed (the test suite).

    Raises
    ------
    AssertionError
        ``LessonError`` when a block raised or a figure block drew nothing, Sybil's
        ``SybilFailure`` when a worked example printed something else; the message names the page
        and the line. (A block's own exception is the ``__cause__``.)
    """
    import matplotlib
    import numpy as np

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    ran = 0
    with np.printoptions(**PRINT_OPTIONS):
        try:
            for example in parse(text, path, on_figure):
                example.evaluate()
                ran += 1
        finally:
            plt.close("all")
    return ran


def has_worked_output(text: str) -> bool:
    """True if the page has a worked example that shows output (a ``>>>`` line followed by output)."""
    for b in python_blocks(text):
        if b.kind == "example" and any(
            e.want.strip() for e in doctest.DocTestParser().get_examples(b.source)
        ):
            return True
    return False


def figures(text: str) -> list[str]:
    """The names of the figures a page draws, in page order."""
    return [b.figure for b in python_blocks(text) if b.figure]
