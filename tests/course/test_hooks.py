"""The ``lessons`` MkDocs hook (``course/assets/hooks/lessons.py``) on small pages: figures inserted
after their blocks, worked examples shown as console sessions, lists and ``$$`` made to render."""

from __future__ import annotations

import markdown as md
import pytest

from tests.course.course_blocks import load_hook_module

lessons = load_hook_module("lessons")


def html(text: str) -> str:
    exts = ["pymdownx.arithmatex", "pymdownx.superfences"]
    return md.markdown(
        text, extensions=exts, extension_configs={"pymdownx.arithmatex": {"generic": True}}
    )


FIGURE_PAGE = """# Page

```python
import numpy as np
x = np.arange(3)
```

1. In a list:

   ```python
   # figure: line
   import matplotlib.pyplot as plt
   plt.plot(x, x**2)
   ```

   After the figure.

```python
# figure: bars
plt.bar(x, x)
```
"""


def test_course_hook_draws_each_figure_right_after_its_block() -> None:
    out = lessons.insert_figures(FIGURE_PAGE, "page.md")
    first, second = out.index('id="figure-line"'), out.index('id="figure-bars"')
    assert out.index("plt.plot(x, x**2)") < first < out.index("After the figure.") < second
    assert "\n\n   <img" in out  # indented like its block: it stays in the list item
    assert out.count("data:image/png;base64,iVBORw0KGgo") == 2  # PNG signature
    assert lessons.insert_figures("no code\n", "p.md") == "no code\n"


def test_course_hook_fails_on_a_failing_block() -> None:
    with pytest.raises(AssertionError, match=r"p\.md, block at line 3 raised NameError"):
        lessons.insert_figures(FIGURE_PAGE.replace("x = np.arange(3)", "x = y"), "p.md")


def test_course_hook_shows_worked_examples_as_console() -> None:
    page = "```python\n>>> 1 + 1\n2\n```\n\n```python\nx = 1\n```\n"
    assert lessons.examples_as_console(page, "p.md") == page.replace(
        "```python\n>>>", "```pycon\n>>>", 1
    )


def test_course_hook_display_math_in_a_list_item_renders() -> None:
    # formulas/b2-attention: $$ on a continuation line of a bullet
    page = "- softmax:\n  so with $a$,\n  $$\\frac{x}{y}.$$\n- next $b$\n"
    assert "$<span" in html(page)  # Python-Markdown alone shows a literal $ around inline math
    out = html(lessons.normalise_lists_and_math(page))
    assert "$$" not in out and '<div class="arithmatex">\\[\\frac{x}{y}.\\]</div>' in out
    assert out.count("<li>") == 2


def test_course_hook_list_continuations_indented_to_the_marker_stay_in_their_item() -> None:
    # implementation/06: `1.` items continued with 3 spaces; a display formula; items 3 and 4
    page = (
        "1. one\n   more\n2. two, so\n\n   $$x = y.$$\n\n   For x the matrix\n   is fine.\n"
        "3. three\n   again\n4. four\n\nAfter.\n"
    )
    before = html(page)
    assert before.count("<li>") < 4 or "$$" in before
    out = html(lessons.normalise_lists_and_math(page))
    assert out.count("<li>") == 4 and "$$" not in out
    assert "<p>After.</p>" in out and out.index("</ol>") < out.index("After.")


def test_course_hook_leaves_code_and_plain_text_alone() -> None:
    page = "Text\n\n```python\n$$ = 1\n   indented\n```\n\n- a\n- b\n"
    assert lessons.normalise_lists_and_math(page) == page
