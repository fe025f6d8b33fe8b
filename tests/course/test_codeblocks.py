"""Every Python block of every lesson (``course/**/*.md``) runs, in order within its page.

A block marked ``<!-- raises: SomeError -->`` must raise that exception; any other block must
run without error. The machinery itself is tested on small in-memory pages.
"""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from tests.course.course_blocks import COURSE, Block, lesson_files, python_blocks


def _exception_class(name: str) -> type[BaseException]:
    """The exception class a ``raises`` marker names: a builtin or a dotted path."""
    if "." not in name:
        cls = getattr(builtins, name, None)
    else:
        import importlib

        module, _, attr = name.rpartition(".")
        cls = getattr(importlib.import_module(module), attr, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise ValueError(f"raises marker names {name!r}, which is not an exception class")
    return cls


def run_page(blocks: list[Block], name: str) -> int:
    """Run a page's blocks in one namespace; return how many ran. Raise AssertionError on a failure."""
    namespace: dict = {"__name__": f"lesson:{name}"}
    ran = 0
    for block in blocks:
        if block.skip:
            continue
        code = compile(block.source, f"{name}:{block.line}", "exec")
        if block.raises is None:
            try:
                exec(code, namespace)
            except Exception as err:
                raise AssertionError(
                    f"{name}, code block at line {block.line} raised {type(err).__name__}: {err}"
                ) from err
        else:
            expected = _exception_class(block.raises)
            try:
                exec(code, namespace)
            except expected:
                pass
            else:
                raise AssertionError(
                    f"{name}, code block at line {block.line} is marked `raises: {block.raises}` "
                    "but ran without raising it"
                )
        ran += 1
    return ran


PAGES = [p for p in lesson_files() if python_blocks(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(COURSE)) for p in PAGES])
def test_course_page_code_blocks_run(page: Path) -> None:
    cwd = os.getcwd()
    try:
        ran = run_page(
            python_blocks(page.read_text(encoding="utf-8")), str(page.relative_to(COURSE))
        )
    finally:
        os.chdir(cwd)
    assert ran > 0


def test_course_has_pages_with_code() -> None:
    assert len(PAGES) >= 3, "the course should have lessons with code blocks"


PAGE = """# A page

Some prose with `inline code`.

```python
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

```python
assert x == 2
z = x + 1
```
"""


def test_course_blocks_are_found_in_order_with_markers() -> None:
    blocks = python_blocks(PAGE)
    assert [b.source for b in blocks] == ["x = 2", "y = x / 0", "assert x == 2\nz = x + 1"]
    assert [b.raises for b in blocks] == [None, "ZeroDivisionError", None]
    assert blocks[0].line == 6


def test_course_blocks_share_a_namespace_and_marked_block_must_raise() -> None:
    assert run_page(python_blocks(PAGE), "page") == 3


def test_course_failing_block_is_reported_with_its_line() -> None:
    page = PAGE.replace("assert x == 2", "assert x == 3")
    with pytest.raises(
        AssertionError, match=r"page, code block at line 2[0-9] raised AssertionError"
    ):
        run_page(python_blocks(page), "page")


def test_course_marked_block_that_does_not_raise_fails() -> None:
    page = PAGE.replace("y = x / 0", "y = x / 1")
    with pytest.raises(AssertionError, match="marked `raises: ZeroDivisionError` but ran without"):
        run_page(python_blocks(page), "page")


def test_course_marked_block_raising_another_error_fails() -> None:
    page = PAGE.replace("y = x / 0", "y = undefined_name")
    with pytest.raises(NameError):
        run_page(python_blocks(page), "page")
