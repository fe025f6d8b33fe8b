"""The workbench driven through the real CLI in a temporary workspace.

init -> start (stub written, check fails with the NotImplementedError message) ->
the reference pasted in (check passes, progress shows ✅); a wrong gradient (the largest
error and its index); an endless loop (stopped at the time limit); start on a changed
file (refused, file unchanged); a process killed while writing progress (valid JSON).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from groundup.cli import app
from groundup.learn import catalog, checker
from groundup.learn.workspace import Workspace

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    text = result.output + (f"\n{result.exception}" if result.exception else "")
    return result.exit_code, text


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    code, out = cli("learn", "init", str(root))
    assert code == 0, out
    monkeypatch.setenv("GROUNDUP_WORKSPACE", str(root))
    return root


def reference(module: str) -> str:
    return catalog.reference_file(module).read_text(encoding="utf-8")


def test_init_start_check_fails_then_the_reference_passes_and_progress_is_done(ws: Path) -> None:
    assert (ws / "groundup-workspace.toml").is_file()
    assert json.loads((ws / "progress.json").read_text())["exercises"] == {}
    code, out = cli("learn", "start", "math-utils")
    assert code == 0, out
    mine = ws / "src/groundup/utils/math_utils.py"
    stub = mine.read_text()
    assert "raise NotImplementedError('math-utils: " in stub
    assert r"$\log \sum_i e^{x_i}$" in stub  # the docstring's formula stays
    assert "np.sum(np.exp(x - m)" not in stub

    code, out = cli("learn", "check", "--time-limit", "60")
    assert code == 1
    assert "not implemented yet: math-utils: write the numerically stable forms" in out
    assert re.search(r"at src/groundup/utils/math_utils\.py:\d+", out), out
    assert Workspace(ws).status("math-utils") == "failed"

    code, out = cli("learn", "solution", "math-utils")
    assert code != 0 and "has not passed yet" in out

    mine.write_text(reference("groundup.utils.math_utils"))
    code, out = cli("learn", "check", "math-utils", "--time-limit", "60")
    assert code == 0, out
    assert "✅ math-utils: all" in out
    progress = json.loads((ws / "progress.json").read_text())
    assert progress["exercises"]["math-utils"]["status"] == "passed"

    code, out = cli("learn", "progress")
    assert code == 0
    assert re.search(r"✅ ⭐\s+Math Utils", out), out
    assert re.search(r"⬜ ⭐\s+Tensor Utils", out)
    code, out = cli("learn", "progress", "--markdown")
    md = (ws / "PROGRESS.md").read_text()
    assert "| Part | Week | Focus Area | Papers to Read | Coding Task | Status | Notes |" in md
    assert re.search(r"\| ⭐ Math Utils \|\s*\| math-utils \| ✅ Done \|", md), md
    assert "## 🔜 Coming" in md  # e.g. the RL agents, not written yet

    code, out = cli("learn", "solution", "math-utils")
    assert code == 0 and "groundup.utils.math_utils: yours is identical to the reference" in out


def test_a_wrong_gradient_shows_the_largest_error_and_its_index(ws: Path) -> None:
    cli("learn", "start", "cross-entropy")
    ref = reference("groundup.optimization.losses.cross_entropy")
    wrong = ref.replace(
        "np.take_along_axis(d, y_idx, axis=cd) - 1", "np.take_along_axis(d, y_idx, axis=cd) - 0.5"
    )
    assert wrong != ref
    (ws / "src/groundup/optimization/losses/cross_entropy.py").write_text(wrong)
    code, out = cli("learn", "check", "--time-limit", "60")
    assert code == 1
    assert "arrays are not close" in out
    m = re.search(r"largest absolute error (\S+) at index \((\d+), (\d+)\)", out)
    assert m, out
    assert float(m[1]) > 1e-3
    assert "largest relative error" in out and "dtype" in out

    # and the finite-difference check alone, on the same wrong backward
    ok, text = checker.run_gradcheck(catalog.get_exercise("cross-entropy"), ws, 60)
    assert not ok
    assert re.search(r"FAILED: worst relative error .* at input 0, index \(\d+, \d+\)", text), text


def test_an_endless_loop_is_stopped_at_the_time_limit(ws: Path) -> None:
    cli("learn", "start", "math-utils")
    mine = ws / "src/groundup/utils/math_utils.py"
    looping = reference("groundup.utils.math_utils").replace(
        '    with np.errstate(under="ignore", invalid="ignore"):\n        # $e^{x_i - m}',
        "    print('softmax called')\n    while True:\n        pass\n"
        '    with np.errstate(under="ignore", invalid="ignore"):\n        # $e^{x_i - m}',
    )
    assert "while True" in looping
    mine.write_text(looping)
    t0 = time.monotonic()
    code, out = cli("learn", "check", "--time-limit", "3")
    assert code == 1
    assert "stopped at the time limit of 3 s" in out
    assert re.search(r"src/groundup/utils/math_utils\.py:\d+ in softmax", out), out
    assert time.monotonic() - t0 < 150
    assert Workspace(ws).status("math-utils") == "failed"


def test_start_on_a_changed_file_is_refused_and_the_file_kept(ws: Path) -> None:
    cli("learn", "start", "seeding")
    mine = ws / "src/groundup/utils/seeding.py"
    # starting again on the untouched stub is fine
    code, _ = cli("learn", "start", "seeding")
    assert code == 0
    mine.write_text(mine.read_text() + "\n# my work\n")
    before = mine.read_bytes()
    code, out = cli("learn", "start", "seeding")
    assert code == 1
    assert "has your changes; not overwritten" in out and "groundup learn reset seeding" in out
    assert mine.read_bytes() == before
    code, out = cli("learn", "reset", "seeding")
    assert code == 0
    (kept,) = Workspace(ws).history("seeding")
    assert (kept.path / "groundup/utils/seeding.py").read_bytes() == before
    assert "# my work" not in mine.read_text()


def test_hints_come_in_layers_and_stop_at_the_last(ws: Path) -> None:
    cli("learn", "start", "tensor-utils")
    hints = catalog.get_exercise("tensor-utils").hints
    outs = [cli("learn", "hint")[1] for _ in range(len(hints) + 1)]
    for i, h in enumerate(hints):
        assert f"hint {i + 1}/{len(hints)}: {h}" in outs[i]
    assert f"hint {len(hints)}/{len(hints)}" in outs[-1]
    code, out = cli("learn", "solution", "tensor-utils", "--reveal")
    assert code == 0
    assert "+++ reference/groundup.utils.tensor_utils" in out
    assert "-    raise NotImplementedError('tensor-utils: " in out


def test_export_and_import_move_progress_keeping_the_newer_record(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = Workspace(ws)
    w.record("seeding", status="passed", last_check="2026-01-02T00:00:00+00:00")
    w.record("sgd", status="failed", last_check="2026-01-05T00:00:00+00:00")
    exported = tmp_path / "moved.json"
    code, out = cli("learn", "export", str(exported))
    assert code == 0 and "exported 2" in out

    other = tmp_path / "other"
    cli("learn", "init", str(other))
    o = Workspace(other)
    o.record("sgd", status="passed", last_check="2026-01-09T00:00:00+00:00")
    monkeypatch.setenv("GROUNDUP_WORKSPACE", str(other))
    code, out = cli("learn", "import", str(exported))
    assert code == 0, out
    data = o.load_progress()["exercises"]
    assert data["seeding"]["status"] == "passed"  # new here
    assert data["sgd"]["status"] == "passed"  # ours is newer than the import's

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out = cli("learn", "import", str(bad))
    assert code == 1 and "not a groundup progress export" in out


def test_a_process_killed_while_writing_progress_leaves_valid_json(ws: Path) -> None:
    writer = (
        "import sys\n"
        "from groundup.learn.workspace import Workspace\n"
        "w = Workspace(sys.argv[1])\n"
        "big = {f'ex{i}': {'status': 'started', 'message': 'x' * 2000} for i in range(300)}\n"
        "n = 0\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    n += 1\n"
        "    w.save_progress({'format': 1, 'current': None, 'n': n, 'exercises': big})\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", writer, str(ws)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)
    finally:
        proc.kill()
        proc.wait()
    data = json.loads((ws / "progress.json").read_text())
    assert data["n"] >= 1 and len(data["exercises"]) == 300
    assert Workspace(ws).load_progress()["n"] == data["n"]


def test_a_damaged_progress_file_is_a_clear_error(ws: Path) -> None:
    (ws / "progress.json").write_text('{"exercises": ')
    code, out = cli("learn", "progress")
    assert code == 1 and "is not valid JSON" in out and "groundup learn import" in out


def test_no_workspace_and_unknown_exercise_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROUNDUP_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out = cli("learn", "check")
    assert code == 1 and "no groundup workspace here" in out
    cli("learn", "init", str(tmp_path / "w"))
    monkeypatch.chdir(tmp_path / "w" / "src")  # found by walking up
    code, out = cli("learn", "start", "softmaxx")
    assert code == 1 and "no exercise 'softmaxx'" in out
    code, out = cli("learn", "check", "sgd")  # not started: no pass from the reference
    assert code == 1 and "`groundup learn start sgd` first" in out
    assert Workspace(tmp_path / "w").status("sgd") == "not-started"


def test_doctor_reports_each_line(ws: Path) -> None:
    code, out = cli("learn", "doctor")
    assert code == 0, out
    for name in ("python", "numpy", "install", "workspace", "pytest", "torch"):
        assert re.search(rf"^ok\s+{name}\s", out, re.M), out
    assert "BLAS" in out


def test_a_syntax_error_is_one_sentence_with_its_line(ws: Path) -> None:
    cli("learn", "start", "seeding")
    mine = ws / "src/groundup/utils/seeding.py"
    lines = mine.read_text().splitlines(keepends=True)
    n = next(i for i, ln in enumerate(lines) if "raise NotImplementedError(" in ln)
    lines[n] = lines[n].replace("raise NotImplementedError(", "raise NotImplementedError((")
    mine.write_text("".join(lines))
    code, out = cli("learn", "check", "--time-limit", "60")
    assert code == 1
    assert "the tests cannot import your code: SyntaxError: '(' was never closed" in out
    assert f"at src/groundup/utils/seeding.py:{n + 1}" in out


def test_a_missing_function_is_one_sentence(ws: Path) -> None:
    cli("learn", "start", "metrics")
    mine = ws / "src/groundup/utils/metrics.py"
    ref = reference("groundup.utils.metrics")
    mine.write_text(ref.replace("def r2_score(", "def r2(", 1))
    code, out = cli("learn", "check", "--time-limit", "60")
    assert code == 1
    assert "`groundup.utils.metrics` has no `r2_score`: your file must define `r2_score`" in out
