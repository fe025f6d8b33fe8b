"""`groundup lesson ID [--notebook]` and the docs command group (groundup.cli.docs)."""

from __future__ import annotations

import doctest
import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from groundup.cli import docs
from groundup.errors import GroundupError
from tests.course.course_blocks import COURSE, python_blocks

app = typer.Typer()
app.command(name="lesson")(docs.lesson)
app.add_typer(docs.app, name="docs")


def test_course_find_lesson_by_id_prefix_and_path() -> None:
    c1 = COURSE / "formulas" / "c1-loss-functions.md"
    assert docs.find_lesson("c1") == c1
    assert docs.find_lesson("C1-loss") == c1
    assert docs.find_lesson("formulas/c1-loss-functions") == c1


def test_course_find_lesson_errors_name_the_id(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x1-one.md").write_text("# one\n")
    (tmp_path / "a" / "x1-two.md").write_text("# two\n")
    with pytest.raises(GroundupError, match=r"lesson id 'x1' is ambiguous: a/x1-one, a/x1-two"):
        docs.find_lesson("x1", tmp_path)
    with pytest.raises(GroundupError, match=r"no lesson 'zz9'"):
        docs.find_lesson("zz9", tmp_path)
    assert docs.find_lesson("x1-two", tmp_path) == tmp_path / "a" / "x1-two.md"


def test_course_lesson_notebook_has_a_code_cell_per_python_block(tmp_path: Path) -> None:
    out = tmp_path / "c1.ipynb"
    result = CliRunner().invoke(app, ["lesson", "c1", "--notebook", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    nb = json.loads(out.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    blocks = python_blocks((COURSE / "formulas" / "c1-loss-functions.md").read_text())
    assert code[0] == docs.NOTEBOOK_SETUP.rstrip("\n")
    # a worked example's cell holds its `>>>` statements without their shown output
    expected = [
        "\n".join(e.source.rstrip("\n") for e in doctest.DocTestParser().get_examples(b.source))
        if b.source.lstrip().startswith(">>>")
        else b.source.rstrip("\n")
        for b in blocks
    ]
    assert [c.rstrip("\n") for c in code[1:]] == expected
    assert any(b.source.lstrip().startswith(">>>") for b in blocks)  # c1 has worked examples
    tagged = [
        "raises-exception" in c["metadata"].get("tags", [])
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]
    assert tagged == [False] + [b.raises is not None for b in blocks] and any(tagged)
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "$$" in markdown and "\\frac" in markdown  # math kept as LaTeX for Jupyter to render


def test_course_lesson_notebook_runs_worked_examples_as_statements(tmp_path: Path) -> None:
    out = tmp_path / "t.ipynb"
    result = CliRunner().invoke(app, ["lesson", "TEMPLATE", "--notebook", "-o", str(out)])
    assert result.exit_code == 0, result.output
    code = [
        "".join(c["source"])
        for c in json.loads(out.read_text())["cells"]
        if c["cell_type"] == "code"
    ]
    assert not any(">>>" in c for c in code)
    namespace: dict = {}
    for cell in code:  # the notebook runs top to bottom, like the page
        exec(cell, namespace)
    assert (
        "x = Tensor(np.array([2.0, 0.0, 4.0]), requires_grad=True)\ny = np.array([1.0, 0.0, 1.0])"
        in code[1]
    )


def test_course_lesson_without_notebook_prints_the_path() -> None:
    result = CliRunner().invoke(app, ["lesson", "b1"])
    assert result.exit_code == 0
    assert result.output.strip().endswith("formulas/b1-embeddings-cosine-similarity.md")


def test_course_docs_build_command_writes_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(app, ["docs", "build", "--site-dir", str(site)])
    assert result.exit_code == 0, result.output
    assert (site / "formulas" / "a2-linear-algebra" / "index.html").is_file()
    assert (site / "assets" / "mathjax" / "tex-chtml.js").is_file()


def test_course_docs_commands_name_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sybil", None)  # import sybil raises ImportError
    with pytest.raises(GroundupError, match="sybil is missing"):
        docs._mkdocs("build")
