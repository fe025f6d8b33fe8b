"""Every Python block of every lesson (``course/**/*.md``) runs, in page order, through Sybil.

The format (``course/assets/hooks/lesson_format.py``): code blocks run; worked examples (a
``python`` block starting with ``>>>``) print what the page shows; figure blocks (first line
``# figure: NAME``) draw something; a block marked ``<!-- raises: SomeError -->`` raises it. The
machinery itself is tested on small in-memory pages, each failure shown to fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.course.course_blocks import (
    lesson_files,
    lesson_format,
    page_id,
    python_blocks,
    run_lesson,
)

PAGES = [p for p in lesson_files() if python_blocks(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES, ids=[page_id(p) for p in PAGES])
def test_course_page_code_blocks_run(page: Path) -> None:
    cwd = os.getcwd()
    try:
        ran = run_lesson(page.read_text(encoding="utf-8"), page_id(page))
    finally:
        os.chdir(cwd)
    assert ran > 0


@pytest.mark.parametrize("page", lesson_files(), ids=[page_id(p) for p in lesson_files()])
def test_course_page_markers_are_well_formed(page: Path) -> None:
    assert lesson_format.check_markers(page.read_text(encoding="utf-8"), page_id(page)) == []


def test_course_has_pages_with_code() -> None:
    assert len(PAGES) >= 3, "the course should have lessons with code blocks"


PAGE = """# A page

Some prose with `inline code`.

```python
import numpy as np
x = 2
```

Not python:

```bash
exit 1
```

<!-- raises: ZeroDivisionError -->
```python
y = x / 0
```

A worked example:

```python
>>> z = x + 1
>>> z
3
>>> np.array([1 / 3, 2e-9])
array([0.3333, 0.    ])
>>> print("a   b")
a b
>>> 1 / 3
0.333
```

1. In a list item:

   ```python
   assert z == 3
   ```

```python
# figure: a-line
import matplotlib.pyplot as plt
plt.plot([0, 1], [z, x])
```
"""


def test_course_blocks_are_found_in_order_with_kinds_and_markers() -> None:
    blocks = python_blocks(PAGE)
    assert [b.kind for b in blocks] == ["code", "code", "example", "code", "figure"]
    assert [b.raises for b in blocks] == [None, "ZeroDivisionError", None, None, None]
    assert blocks[0].line == 5 and blocks[0].source == "import numpy as np\nx = 2\n"
    assert blocks[3].source == "assert z == 3\n" and blocks[3].prefix == "   "
    assert blocks[4].figure == "a-line"
    assert lesson_format.figures(PAGE) == ["a-line"]
    assert lesson_format.has_worked_output(PAGE)
    assert not lesson_format.has_worked_output("```python\n>>> x = 1\n>>> y = 2\n```\n")


def test_course_page_runs_in_one_namespace_with_examples_and_figures() -> None:
    drawn = []
    ran = run_lesson(
        PAGE, "page", on_figure=lambda name, fig, block: drawn.append((name, len(fig.axes)))
    )
    assert ran == 9  # 4 code blocks (one must raise), 5 doctest statements, 1 figure
    assert drawn == [("a-line", 1)]


def test_course_failing_block_is_reported_with_its_line() -> None:
    page = PAGE.replace("assert z == 3", "assert z == 4")
    with pytest.raises(AssertionError, match=r"page, block at line 3[0-9] raised AssertionError"):
        run_lesson(page, "page")


def test_course_example_printing_something_else_fails() -> None:
    with pytest.raises(AssertionError, match=r"Expected:\s+4\s+Got:\s+3"):
        run_lesson(PAGE.replace(">>> z\n3", ">>> z\n4"), "page")
    # the print options are the page's: 4 decimals, no scientific notation
    with pytest.raises(AssertionError, match="array"):
        run_lesson(PAGE.replace("array([0.3333, 0.    ])", "array([0.33333333, 2.e-09])"), "page")
    # numbers are compared to the decimals shown
    with pytest.raises(AssertionError, match=r"0\.335"):
        run_lesson(PAGE.replace("\n0.333\n", "\n0.335\n"), "page")


def test_course_marked_block_that_does_not_raise_fails() -> None:
    page = PAGE.replace("y = x / 0", "y = x / 1")
    with pytest.raises(AssertionError, match="marked `raises: ZeroDivisionError` but ran without"):
        run_lesson(page, "page")


def test_course_marked_block_raising_another_error_fails() -> None:
    page = PAGE.replace("y = x / 0", "y = undefined_name")
    with pytest.raises(AssertionError, match="raised NameError"):
        run_lesson(page, "page")


def test_course_figure_block_that_draws_nothing_fails() -> None:
    page = PAGE.replace("plt.plot([0, 1], [z, x])", "w = z")
    with pytest.raises(AssertionError, match=r"figure 'a-line' .* drew nothing"):
        run_lesson(page, "page")


def test_course_markers_that_are_not_the_format_are_reported() -> None:
    assert lesson_format.check_markers(PAGE) == []
    bad = PAGE.replace("# figure: a-line", "# Figure a-line")
    assert "is not `# figure: NAME`" in lesson_format.check_markers(bad)[0]
    twice = PAGE + "\n```python\n# figure: a-line\nplt.plot([1])\n```\n"
    assert "drawn twice" in lesson_format.check_markers(twice)[0]
    late = PAGE.replace(
        "import matplotlib.pyplot as plt\n", "import matplotlib.pyplot as plt\n# figure: b\n"
    )
    assert any("first line" in p for p in lesson_format.check_markers(late))
