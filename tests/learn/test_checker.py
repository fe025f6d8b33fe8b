"""What a check concludes, through the real CLI in a temporary workspace.

- A module missing from the learner's Python (pytest, torch) is an environment error:
  reported as such, and progress is left as it was (it demoted ✅ to 🟨 before).
- ``os._exit(0)`` in the learner's code is not a pass (it gave "✅ all 0 tests pass").
- An unfinished exercise does not break the check of another (a seeding stub failed
  the dropout check); a failure in another exercise's file says whose file it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from groundup.learn.workspace import Workspace

from .conftest import reference_text

BLOCKER = '''
import importlib.abc, os, sys

BLOCKED = set(os.environ["GROUNDUP_TEST_BLOCK"].split(","))


class _NotInstalled(importlib.abc.MetaPathFinder):
    """As if the packages in $GROUNDUP_TEST_BLOCK were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
'''


@pytest.mark.parametrize(
    "missing, exercise",
    [("pytest", "seeding"), ("torch", "mse-loss")],  # pytest: no test starts; torch: collection
)
def test_a_missing_package_is_an_environment_error_and_progress_is_kept(
    learner: Path, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str, exercise: str
) -> None:
    cli("learn", "start", exercise)
    ws = Workspace(learner)
    ws.record(exercise, status="passed", last_check="2026-01-02T00:00:00+00:00", message="")
    before = json.loads((learner / "progress.json").read_text())
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    monkeypatch.setenv("PYTHONPATH", str(blocker))  # the check's subprocess only
    monkeypatch.setenv("GROUNDUP_TEST_BLOCK", missing)
    code, out = cli("check", exercise, "--time-limit", "60")
    assert code == 2, out
    assert f"not checked: this Python has no `{missing}`" in out, out
    assert f"-m pip install {missing}" in out and "progress unchanged" in out
    assert "❌" not in out
    assert json.loads((learner / "progress.json").read_text()) == before


def test_os_exit_in_the_learners_code_is_not_a_pass(learner: Path, cli) -> None:
    cli("learn", "start", "seeding")
    ref = reference_text("groundup.utils.seeding")
    exiting = re.sub(
        r"(\ndef make_rng\(.*?\n    \"\"\".*?\"\"\"\n)",
        r"\1    import os\n    os._exit(0)\n",
        ref,
        count=1,
        flags=re.S,
    )
    assert "os._exit(0)" in exiting
    (learner / "src/groundup/utils/seeding.py").write_text(exiting)
    code, out = cli("check", "--time-limit", "60")
    out = " ".join(out.split())  # rich wraps at the terminal's width
    assert code == 1, out
    assert "✅" not in out
    assert "the test process ended before the tests finished (exit code 0), during tests/" in out
    assert "os._exit()" in out
    assert Workspace(learner).status("seeding") == "failed"


def test_an_unfinished_exercise_does_not_fail_the_check_of_another(learner: Path, cli) -> None:
    """dropout's tests use seeding; the learner's seeding is still the stub."""
    cli("learn", "start", "seeding")
    cli("learn", "start", "dropout")
    mine = learner / "src/groundup/nn_core/regularization/dropout.py"
    mine.write_text(reference_text("groundup.nn_core.regularization.dropout"))
    code, out = cli("check", "dropout", "--time-limit", "60")
    assert code == 0, out
    assert "✅ dropout: all" in out
    assert "(and the reference for seeding, not passed yet)" in out

    # once seeding counts as passed its file is the learner's in every check: a failure
    # there is named as seeding's, not dropout's
    Workspace(learner).record("seeding", status="passed")
    code, out = cli("check", "dropout", "--time-limit", "60")
    assert code == 1, out
    assert "the failure is in your file of exercise `seeding` (passed earlier)" in out, out
    assert "`groundup check seeding` re-checks it" in out
    assert "not implemented yet: seeding:" in out

    # unstart: seeding is the reference's again
    assert cli("learn", "unstart", "seeding")[0] == 0
    code, out = cli("check", "dropout", "--time-limit", "60")
    assert code == 0, out
    assert "seeding" not in out
