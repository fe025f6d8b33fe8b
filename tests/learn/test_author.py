"""Author checks and the import overlay: stubs import, a sample exercise passes every check."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from groundup.learn import author, catalog, checker
from groundup.learn.catalog import Exercise
from groundup.learn.workspace import Workspace


def test_every_stub_imports_through_the_overlay() -> None:
    assert author.stubs_import(list(catalog.exercises().values())) == []


def test_a_sample_exercise_passes_every_author_check() -> None:
    from typer.testing import CliRunner

    from groundup.cli.workbench import dev_app

    result = CliRunner().invoke(dev_app, ["check-exercises", "seeding"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok   seeding \(\d+\.\d s\)$", result.output, re.M), result.output
    assert "1/1 exercises ok" in result.output


def test_marker_problems_are_reported() -> None:
    ex = Exercise(id="x", title="t", modules=("groundup.errors",), tests=("t",), task="t")
    assert author.marker_problems(ex) == [
        f"{catalog.reference_file('groundup.errors')}: no '# BEGIN SOLUTION' region for exercise 'x'"
    ]
    missing = Exercise(id="y", title="t", modules=("groundup.nope",), tests=("t",), task="t")
    assert "groundup.nope: no file" in author.marker_problems(missing)[0]


def test_the_overlay_loads_only_the_learner_files(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    ws.start("math-utils")

    def imports_from_workspace(module: str) -> subprocess.CompletedProcess:
        cmd = checker.bootstrap_command(
            ws.root, 60, "module", "groundup.learn.import_check", module
        )
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    ok = imports_from_workspace("groundup.utils.math_utils")
    assert ok.returncode == 0, ok.stderr
    ref = imports_from_workspace("groundup.utils.seeding")
    assert ref.returncode == 1
    assert (
        "groundup.utils.seeding: loaded" in ref.stderr and "not the workspace's stub" in ref.stderr
    )


def test_a_milestone_trains_on_the_learner_code(tmp_path: Path) -> None:
    import sys

    ws = Workspace.init(tmp_path / "ws")
    ws.start("cross-entropy")
    ref = catalog.reference_file("groundup.optimization.losses.cross_entropy").read_text()
    mine = ws.learner_file("groundup.optimization.losses.cross_entropy")
    mine.write_text(ref + '\nprint("the learner\'s cross_entropy", flush=True)\n')
    cmd = [sys.executable, "-m", "groundup", "learn", "run", "mlp-mnist", "--quick"]
    cmd += ["--no-progress", "--runs-dir", str(tmp_path / "runs")]
    proc = subprocess.run(cmd, cwd=ws.root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "the learner's cross_entropy" in proc.stdout
    assert "done (quick run" in proc.stdout
