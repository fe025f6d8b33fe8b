"""Nothing a learner writes is lost: every reset, restore and unstart keeps a copy in history/.

Before: `learn reset X` moved the file to `X.bak`, so a second reset replaced the
learner's solution in `X.bak` with the stub (checked by content below).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from groundup.learn.workspace import Workspace

SEEDING = "src/groundup/utils/seeding.py"


def test_reset_twice_keeps_both_versions_and_restore_brings_each_back(learner: Path, cli) -> None:
    code, out = cli("learn", "start", "seeding")
    assert code == 0, out
    mine = learner / SEEDING
    stub = mine.read_text()
    mine.write_text(stub + "\n# attempt 1\n")
    code, out = cli("learn", "reset", "seeding")
    assert code == 0 and "learn restore seeding" in out, out
    assert mine.read_text() == stub
    mine.write_text(stub + "\n# attempt 2\n")
    assert cli("learn", "reset", "seeding")[0] == 0
    code, out = cli("learn", "reset", "seeding")  # the stub itself: nothing to keep
    assert code == 0 and "nothing of yours to keep" in out
    assert not list(mine.parent.glob("*.bak"))  # nothing beside the learner's files

    ws = Workspace(learner)
    kept = [(c.path / c.files[0]).read_text() for c in ws.history("seeding")]
    assert kept == [stub + "\n# attempt 2\n", stub + "\n# attempt 1\n"]  # newest first
    code, out = cli("learn", "restore", "seeding", "--list")
    assert code == 0
    assert "  1  " in out and "  2  " in out and "before reset: seeding.py" in out, out
    assert mine.read_text() == stub  # --list changes nothing

    code, out = cli("learn", "restore", "seeding")  # the newest by default
    assert code == 0, out
    assert mine.read_text().endswith("# attempt 2\n")
    mine.write_text(stub + "\n# attempt 3\n")
    code, out = cli("learn", "restore", "seeding", "--copy", "2")
    assert code == 0, out
    assert mine.read_text().endswith("# attempt 1\n")
    # restoring kept what it replaced: all three versions are in the history
    kept = {(c.path / c.files[0]).read_text()[-12:] for c in ws.history("seeding")}
    assert kept == {"# attempt 1\n", "# attempt 2\n", "# attempt 3\n"}
    assert (
        json.loads((learner / "progress.json").read_text())["exercises"]["seeding"]["status"]
        == "started"
    )  # restored code has not been checked yet
    code, out = cli("learn", "restore", "seeding", "--copy", "9")
    assert code == 1 and "copy 9 does not exist; there are 3" in out


def test_unstart_puts_the_files_in_history_and_forgets_the_exercise(learner: Path, cli) -> None:
    cli("learn", "start", "seeding")
    mine = learner / SEEDING
    mine.write_text(mine.read_text() + "\n# my work\n")
    Workspace(learner).record("seeding", status="failed")
    code, out = cli("learn", "unstart", "seeding")
    assert code == 0 and "learn restore seeding" in out, out
    assert not mine.exists()
    data = json.loads((learner / "progress.json").read_text())
    assert "seeding" not in data["exercises"] and data["current"] is None
    code, out = cli("learn", "unstart", "seeding")
    assert code == 1 and "seeding is not started" in out
    code, out = cli("learn", "restore", "seeding")
    assert code == 0, out
    assert mine.read_text().endswith("# my work\n")
    assert Workspace(learner).status("seeding") == "started"


def test_stubs_and_progress_get_the_users_file_mode(tmp_path: Path, monkeypatch, cli) -> None:
    """They were 0600 (mkstemp's mode) whatever the umask."""
    old = os.umask(0o022)
    try:
        monkeypatch.setenv("GROUNDUP_WORKSPACE", str(tmp_path / "ws"))
        assert cli("learn", "init", str(tmp_path / "ws"))[0] == 0
        assert cli("learn", "start", "seeding")[0] == 0
    finally:
        os.umask(old)
    for rel in ("progress.json", SEEDING):
        assert stat.S_IMODE((tmp_path / "ws" / rel).stat().st_mode) == 0o644, rel
