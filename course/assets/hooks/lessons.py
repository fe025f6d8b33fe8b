"""MkDocs hook: draw each lesson's figures from its own code, and make its Markdown render as written.

For every page, before Markdown is converted (``on_page_markdown``):

1. A page with a figure block (first line ``# figure: NAME``, see ``lesson_format.py``) runs all its
   Python blocks in page order with Matplotlib's Agg backend, exactly as the test suite does; the
   figure each figure block leaves is saved as a PNG and inserted right after the block, as an
   ``<img>`` with the PNG inline (a ``data:`` URL), so no image file is ever committed or left
   stale. A block that fails fails the build, naming the page and line.
2. A worked example (a ``python`` block starting with ``>>>``) is shown as a console session
   (``pycon``): prompts and output highlighted apart.
3. Display math and list items are normalised for Python-Markdown: ``$$`` on a line of its own
   inside a paragraph or a list item gets the blank lines it needs to be display math, and a list
   item's continuation lines indented to its text (CommonMark's rule, e.g. 3 spaces after ``1.``)
   are indented to the 4 spaces Python-Markdown requires, so items neither end early nor merge
   (an item after a loose item's paragraph gets a blank line before it, for the same reason).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re
import sys
from pathlib import Path
from typing import Any


def _load_format() -> Any:
    """``lesson_format.py`` beside this file (hooks are loaded by path, not as a package)."""
    name = "groundup_course_lesson_format"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name("lesson_format.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


lesson_format = _load_format()

FENCE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])?[ \t]*(```+|~~~+)")
LIST_ITEM = re.compile(r"^(?P<marker>(?:[-*+]|\d+[.)])[ \t]+)\S")


def figure_html(name: str, figure: Any) -> str:
    """An ``<img>`` of a Matplotlib figure as an inline PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<img class="lesson-figure" id="figure-{name}" alt="figure: {name}" '
        f'src="data:image/png;base64,{data}">'
    )


def insert_figures(markdown: str, path: str) -> str:
    """Run the page's blocks if it draws figures; each figure's ``<img>`` right after its block."""
    blocks = lesson_format.python_blocks(markdown, path)
    if not any(b.kind == "figure" for b in blocks):
        return markdown
    drawn: dict[int, str] = {}

    def keep(name: str, figure: Any, block: Any) -> None:
        drawn[block.end] = figure_html(name, figure)

    lesson_format.run_lesson(markdown, path, on_figure=keep)
    out, place = [], 0
    for end in sorted(drawn):
        block = next(b for b in blocks if b.end == end)
        indent = " " * len(block.prefix)
        out += [markdown[place:end], f"\n\n{indent}{drawn[end]}\n"]
        place = end
    out.append(markdown[place:])
    return "".join(out)


def examples_as_console(markdown: str, path: str) -> str:
    """The opening fence of each worked example says ``pycon`` instead of ``python``."""
    out, place = [], 0
    for b in lesson_format.python_blocks(markdown, path):
        if b.kind == "example" and b.language != "pycon":
            line_end = markdown.find("\n", b.start)
            opening = markdown[b.start : line_end]
            out += [
                markdown[place : b.start],
                re.sub(r"\b(python|py)\b", "pycon", opening, count=1),
            ]
            place = line_end
    out.append(markdown[place:])
    return "".join(out)


def normalise_lists_and_math(markdown: str) -> str:
    """Indent list continuations to 4 spaces and give ``$$`` lines the blank lines they need.

    A top-level list item's continuation lines (indented at least as far as its text) shift right
    until the marker's width is 4, code blocks inside the item included, so their own indentation is
    kept. Fenced code is never touched otherwise, and ``$$`` inside code is left alone.
    """
    out: list[str] = []
    fence: str | None = None  # the fence of the code block we are in
    item = 0  # width of the current top-level list item's marker; 0: not in a list item
    in_math = False
    loose = False  # the current item has a paragraph after a blank line
    for line in markdown.split("\n"):
        stripped = line.strip()
        lead = len(line) - len(line.lstrip(" "))
        marker = LIST_ITEM.match(line)
        if item and fence is None and stripped and lead >= item and out and not out[-1].strip():
            loose = True
        if marker and fence is None:
            if loose and out and out[-1].strip():
                out.append("")  # else the new item is read as a lazy line of the last paragraph
            item, loose = len(marker["marker"]), False
        elif item and stripped and lead == 0 and fence is None and not (out and out[-1].strip()):
            item, loose = 0, False  # text back at the margin after a blank line: the list ended
        if item and not marker and stripped and lead >= item and item < 4:
            line = " " * (4 - item) + line
        opening = FENCE.match(line)
        if fence is not None:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            out.append(line)
            continue
        if opening and not in_math:
            fence = opening.group(1)
            out.append(line)
            continue
        if stripped.startswith("$$") and not in_math:
            if out and out[-1].strip():
                out.append("")
            out.append(line)
            in_math = not (len(stripped) > 2 and stripped.endswith("$$"))
            if not in_math:
                out.append("")
            continue
        if in_math:
            out.append(line)
            if stripped.endswith("$$"):
                in_math = False
                out.append("")
            continue
        out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:
    path = page.file.abs_src_path or page.file.src_uri
    try:
        markdown = insert_figures(markdown, path)
    except AssertionError as err:  # a lesson's block failed: the build fails, naming page and line
        from mkdocs.exceptions import PluginError

        raise PluginError(str(err)) from err
    markdown = examples_as_console(markdown, path)
    return normalise_lists_and_math(markdown)
