"""`groundup learn watch` driven under tmux: a save triggers a re-check within 2 seconds; every key works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from groundup.learn import catalog, progress
from groundup.learn.watch import KEYS, next_exercise
from groundup.learn.workspace import Workspace


class Tmux:
    def __init__(self, tag: str) -> None:
        assert shutil.which("tmux"), "the watch-mode test needs tmux: apt-get install -y tmux"
        self.base = ["tmux", "-L", f"groundup-test-{os.getpid()}-{tag}"]
        self.session = "watch"

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, check=False
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-J", "-S", "-2000", "-t", self.session)

    def wait_for(self, text: str, timeout: float) -> float:
        """Seconds until ``text`` is on the screen."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if text in self.screen():
                return time.monotonic() - t0
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{self.screen()}")

    def checks_done(self) -> int:
        """How many checks have finished (each ends by printing the key line)."""
        return self.screen().count(KEYS)

    def wait_checks(self, n: int, timeout: float) -> None:
        t0 = time.monotonic()
        while self.checks_done() < n:
            assert time.monotonic() - t0 < timeout, f"check {n} not done:\n{self.screen()}"
            time.sleep(0.05)


@pytest.mark.parametrize("mode", ["events", "poll"])
def test_a_save_triggers_a_recheck_within_two_seconds(tmp_path: Path, mode: str) -> None:
    ws = Workspace.init(tmp_path / "ws")
    ws.start("seeding")
    mine = ws.learner_file("groundup.utils.seeding")
    tmux = Tmux(mode)
    flags = "--poll --poll-seconds 0.5" if mode == "poll" else ""
    cmd = f"cd {ws.root} && exec {sys.executable} -m groundup learn watch --time-limit 60 {flags}"
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "200", "-y", "50", cmd)
    try:
        tmux.wait_for("[n]ext", timeout=240)  # the first check has run
        assert "not implemented yet: seeding:" in tmux.screen()
        assert "(file saved)" not in tmux.screen()
        mine.write_text(catalog.reference_file("groundup.utils.seeding").read_text())
        elapsed = tmux.wait_for("re-checking seeding (file saved)", timeout=10)
        assert elapsed < 2.0, f"re-check started {elapsed:.2f} s after the save"
        tmux.wait_for("✅ seeding: all", timeout=240)
        assert ws.status("seeding") == "passed"
        # the header is the one measure of progress that `groundup progress` shows too
        tmux.wait_for(f"{progress.headline(ws)}   current: seeding", timeout=10)
        if mode == "poll":
            return
        tmux.run("send-keys", "-t", tmux.session, "h")
        tmux.wait_for("hint 1/3:", timeout=10)
        nxt = next_exercise(ws)
        assert nxt is not None and nxt != "seeding"
        tmux.run("send-keys", "-t", tmux.session, "l")
        tmux.wait_for(f"⬜ {nxt}", timeout=10)
        # n: the first exercise of the track not passed yet is started and checked
        done = tmux.checks_done()
        tmux.run("send-keys", "-t", tmux.session, "n")
        tmux.wait_for(f"re-checking {nxt} (next exercise)", timeout=10)
        tmux.wait_checks(done + 1, timeout=240)
        assert f"not implemented yet: {nxt}:" in tmux.screen()
        assert ws.current() == nxt
        # r asks first; anything but y leaves the file alone
        (module,) = catalog.get_exercise(nxt).modules
        theirs = ws.learner_file(module)
        stub = theirs.read_text()
        theirs.write_text(stub + "\n# my attempt\n")
        tmux.wait_for(f"re-checking {nxt} (file saved)", timeout=10)
        tmux.wait_checks(done + 2, timeout=240)
        tmux.run("send-keys", "-t", tmux.session, "r")
        tmux.wait_for(f"reset {nxt} to the stub? your file is kept in history/ [y/N]", timeout=10)
        tmux.run("send-keys", "-t", tmux.session, "n")
        tmux.wait_for("not reset", timeout=10)
        assert theirs.read_text().endswith("# my attempt\n")
        assert ws.current() == nxt  # the n answered the question; it did not move on
        # r then y: back to the stub, their version kept in the history
        tmux.run("send-keys", "-t", tmux.session, "r")
        time.sleep(0.3)
        tmux.run("send-keys", "-t", tmux.session, "y")
        tmux.wait_for(f"re-checking {nxt} (reset)", timeout=10)
        assert theirs.read_text() == stub
        (kept,) = ws.history(nxt)
        assert (kept.path / kept.files[0]).read_text().endswith("# my attempt\n")
        tmux.wait_checks(done + 3, timeout=240)
        tmux.run("send-keys", "-t", tmux.session, "c")  # c: check again on request
        tmux.wait_for(f"re-checking {nxt} (asked)", timeout=10)
        tmux.wait_checks(done + 4, timeout=240)
        tmux.run("send-keys", "-t", tmux.session, "q")
        t0 = time.monotonic()
        while subprocess.run([*tmux.base, "has-session", "-t", tmux.session]).returncode == 0:
            assert time.monotonic() - t0 < 10, "q did not quit"
            time.sleep(0.1)
    finally:
        tmux.run("kill-server")


def test_an_endless_loop_does_not_freeze_watch_a_save_or_q_stops_it(tmp_path: Path) -> None:
    """Before, the loop waited for the check: saves and q were ignored for the whole time limit."""
    ws = Workspace.init(tmp_path / "ws")
    ws.start("seeding")
    mine = ws.learner_file("groundup.utils.seeding")
    ref = catalog.reference_file("groundup.utils.seeding").read_text()
    looping = ref.replace(
        "\ndef make_rng(", "\nwhile True:  # the learner's mistake\n    pass\n\n\ndef make_rng(", 1
    )
    assert "while True" in looping
    tmux = Tmux("loop")
    cmd = f"cd {ws.root} && exec {sys.executable} -m groundup learn watch --time-limit 120"
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "200", "-y", "50", cmd)
    try:
        tmux.wait_for("[n]ext", timeout=240)
        mine.write_text(looping)
        tmux.wait_for("re-checking seeding (file saved)", timeout=10)
        time.sleep(5)  # the check is stuck in the loop by now
        mine.write_text(ref)  # the fix: noticed at once, the stuck check stopped
        elapsed = tmux.wait_for("stopped the check of seeding (file saved)", timeout=10)
        assert elapsed < 3.0, f"the save was noticed {elapsed:.2f} s later"
        tmux.wait_for("✅ seeding: all", timeout=240)
        assert "time limit" not in tmux.screen()

        mine.write_text(looping)
        t0 = time.monotonic()
        while tmux.screen().count("re-checking seeding (file saved)") < 3:
            assert time.monotonic() - t0 < 10, tmux.screen()
            time.sleep(0.05)
        time.sleep(5)
        t0 = time.monotonic()
        tmux.run("send-keys", "-t", tmux.session, "q")
        while subprocess.run([*tmux.base, "has-session", "-t", tmux.session]).returncode == 0:
            assert time.monotonic() - t0 < 5, "q did not quit while a check ran"
            time.sleep(0.1)
        # and no test process of this workspace is left behind
        left = subprocess.run(["pgrep", "-f", str(ws.root)], capture_output=True, text=True)
        assert left.stdout.strip() == "", left.stdout
        assert ws.status("seeding") == "passed"  # the stopped check recorded nothing
    finally:
        tmux.run("kill-server")
