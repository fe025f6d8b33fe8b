"""The learner's side of the workbench: a temporary workspace and the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from groundup.cli import app
from groundup.learn import catalog


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    text = result.output + (f"\n{result.exception}" if result.exception else "")
    return result.exit_code, text


@pytest.fixture
def cli() -> Callable[..., tuple[int, str]]:
    """``cli("learn", "start", "seeding") -> (exit code, output)``, in this process."""
    return _cli


@pytest.fixture
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace made by ``groundup learn init``, active through ``$GROUNDUP_WORKSPACE``."""
    root = tmp_path / "ws"
    code, out = _cli("learn", "init", str(root))
    assert code == 0, out
    monkeypatch.setenv("GROUNDUP_WORKSPACE", str(root))
    return root


def reference_text(module: str) -> str:
    """The library's own source of ``module`` (what a learner who solved it would have)."""
    return catalog.reference_file(module).read_text(encoding="utf-8")
