"""``groundup check``: run an exercise's own tests on the learner's code, explain the first failure.

The tests run in a subprocess (``_bootstrap.py``) with the workspace overlaid, ``-x`` so
they stop at the first failure, and a time limit after which the stacks are dumped and
the process ends; :mod:`groundup.learn.report_plugin` writes what failed and where.

What a check overlays (:func:`overlay_for`): the exercise's own files and those of the
exercises the learner has passed, never the file of an unfinished exercise, so a stub
left in one exercise cannot fail the check of another; the output names the other
exercises whose code (yours or the reference) the tests used.

What a check concludes: it passes only when every collected test ran and passed
(a process that ends early, ``os._exit(0)`` included, is not a pass). A module missing
from the Python environment (pytest, torch, ...) or a skipped test is an *environment*
problem: reported as such, and progress is left as it was.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from groundup.errors import GroundupError
from groundup.learn import catalog
from groundup.learn.doctor import install_advice, missing_module
from groundup.learn.overlay import ENV_MODULES
from groundup.learn.workspace import Workspace, now

BOOTSTRAP = Path(__file__).with_name("_bootstrap.py")
DEFAULT_TIME_LIMIT = 120.0


@dataclass
class CheckResult:
    """What one check found."""

    exercise: str
    passed: bool
    n_passed: int = 0
    n_failed: int = 0
    failure: dict = field(default_factory=dict)
    timed_out: bool = False
    seconds: float = 0.0
    environment: str = ""
    """Non-empty: the check could not judge the learner's code (what is wrong, what to do)."""
    imported: list[str] = field(default_factory=list)
    """The ``groundup.*`` modules the tests imported (empty if the run ended early)."""
    uses: list[str] = field(default_factory=list)
    """Other exercises whose learner code the tests used (passed ones)."""
    reference_for: list[str] = field(default_factory=list)
    """Other started, unfinished exercises whose modules the tests took from the reference."""
    gradcheck: str = ""

    def summary(self) -> str:
        """One line: passed, or the first failure's message."""
        if self.environment:
            return f"{self.exercise}: not checked: {self.environment.splitlines()[0]}"
        if self.passed:
            return f"{self.exercise}: passed ({self.n_passed} tests)"
        return f"{self.exercise}: {self.failure.get('message', 'failed').splitlines()[0]}"


class CheckCancelled(Exception):
    """The check was stopped from outside (a new save or ``q`` in watch mode)."""


def overlay_for(ws: Workspace, ex: catalog.Exercise) -> list[str]:
    """The modules a check of ``ex`` takes from the learner: its own, and those of passed exercises.

    An exercise that is started but not passed keeps its stub or half-done file out of
    every other exercise's check (they use the reference for it).
    """
    progress = ws.load_progress()["exercises"]
    modules = list(ex.modules)
    for other_id, entry in progress.items():
        if other_id == ex.id or entry.get("status") != "passed":
            continue
        other = catalog.exercises().get(other_id)
        if other is None:
            continue
        modules += [m for m in other.modules if m not in modules and ws.learner_file(m).is_file()]
    return modules


def run_overlay(ws: Workspace) -> tuple[list[str], list[str]]:
    """What ``groundup learn run`` overlays: the passed exercises and the current one (modules, ids)."""
    progress = ws.load_progress()
    ids = [e for e, entry in progress["exercises"].items() if entry.get("status") == "passed"]
    if progress.get("current") and progress["current"] not in ids:
        ids.append(progress["current"])
    ids = [e for e in ids if e in catalog.exercises()]
    modules = [m for e in ids for m in catalog.get_exercise(e).modules]
    return [m for m in modules if ws.learner_file(m).is_file()], ids


def bootstrap_command(workspace: Path | None, time_limit: float, *args: str) -> list[str]:
    """``python _bootstrap.py WORKSPACE LIMIT ARGS...``: a process with the overlay installed first."""
    return [sys.executable, str(BOOTSTRAP), str(workspace or ""), str(time_limit), *args]


def overlay_env(workspace: Path | None, modules: list[str] | None) -> dict[str, str]:
    """The environment of an overlaid subprocess: the workspace and the modules it overlays."""
    env = dict(os.environ)
    env.pop("GROUNDUP_WORKSPACE", None)
    env.pop(ENV_MODULES, None)
    if workspace is not None:
        env["GROUNDUP_WORKSPACE"] = str(workspace)
        if modules is not None:
            env[ENV_MODULES] = ",".join(modules)
    return env


def run_process(
    cmd: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float,
    cancel: threading.Event | None = None,
) -> tuple[str, str, int]:
    """Run ``cmd`` in its own process group; stdout, stderr and exit code (``-9``: hard stop).

    The group is killed at ``timeout`` seconds, when ``cancel`` is set (then
    :class:`CheckCancelled` is raised) or when this process is interrupted (Ctrl-C), so no
    test process outlives the check.
    """
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=0.1)
                return stdout, stderr, proc.returncode
            except subprocess.TimeoutExpired:
                if cancel is not None and cancel.is_set():
                    raise CheckCancelled() from None
                if time.monotonic() > deadline:  # the stack dump did not end it
                    _kill(proc)
                    stdout, stderr = proc.communicate()
                    return stdout or "", stderr or "", -9
    except BaseException:
        _kill(proc)
        proc.communicate()
        raise


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def pytest_args(ex: catalog.Exercise, *, first_failure_only: bool = True) -> list[str]:
    """The pytest arguments that run ``ex``'s tests."""
    args = ["pytest", *ex.tests, "-q", "-p", "groundup.learn.report_plugin", "-p", "no:randomly"]
    if first_failure_only:
        args.append("-x")
    if ex.k:
        args += ["-k", ex.k]
    return args


def _where_stuck(stderr: str, workspace: Path | None) -> str:
    """The learner's file and line at the top of the stack dump (faulthandler prints innermost first)."""
    for m in re.finditer(r'File "([^"]+)", line (\d+) in (\S+)', stderr):
        path = m[1]
        if workspace is not None and path.startswith(str(workspace)):
            return f"{Path(path).relative_to(workspace)}:{m[2]} in {m[3]}"
    m = re.search(r'File "([^"]+)", line (\d+) in (\S+)', stderr)
    return f"{m[1]}:{m[2]} in {m[3]}" if m else ""


def run_tests(
    ex: catalog.Exercise,
    workspace: Path | None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    first_failure_only: bool = True,
    modules: list[str] | None = None,
    cancel: threading.Event | None = None,
) -> CheckResult:
    """Run ``ex``'s tests with ``workspace`` overlaid (``None``: on the reference).

    ``modules`` limits the overlay to those modules (default: every file in the workspace).
    """
    with tempfile.TemporaryDirectory(prefix="groundup-check-") as tmp:
        report_path = Path(tmp) / "report.json"
        env = overlay_env(workspace, modules)
        env["GROUNDUP_CHECK_REPORT"] = str(report_path)
        cmd = bootstrap_command(
            workspace, time_limit, *pytest_args(ex, first_failure_only=first_failure_only)
        )
        t0 = time.perf_counter()
        stdout, stderr, code = run_process(
            cmd, env=env, cwd=catalog.repo_root(), timeout=time_limit + 150, cancel=cancel
        )
        seconds = time.perf_counter() - t0
        state = json.loads(report_path.read_text()) if report_path.exists() else {}
    return judge(ex.id, state, stdout, stderr, code, workspace, time_limit, seconds)


def judge(
    exercise: str,
    state: dict,
    stdout: str,
    stderr: str,
    code: int,
    workspace: Path | None,
    time_limit: float,
    seconds: float = 0.0,
) -> CheckResult:
    """What a test run shows: passed only if every collected test ran and passed.

    ``state`` is the report plugin's JSON (empty if the process never got to pytest).
    """
    collected = state.get("collected") or 0
    n_passed, n_failed = state.get("passed", 0), state.get("failed", 0)
    n_skipped, n_xfailed = state.get("skipped", 0), state.get("xfailed", 0)
    first = state.get("first") or {}
    finished = "exitstatus" in state
    result = CheckResult(
        exercise,
        passed=False,
        n_passed=n_passed,
        n_failed=n_failed,
        seconds=seconds,
        imported=state.get("imported", []),
    )
    if "Timeout (" in stderr or code == -9:
        result.timed_out = True
        result.failure = {
            "message": f"stopped at the time limit of {time_limit:g} s (an endless loop, or far too slow)",
            "where": _where_stuck(stderr, workspace),
            "stdout": stdout[-2000:],
        }
    elif first.get("kind") == "environment":
        result.environment = _environment(first["missing"], first.get("message", ""))
    elif first:
        result.failure = first
    elif not state and code != 0:  # pytest never started: an import crash, or no pytest at all
        crash = _explain_crash(stdout + "\n" + stderr, workspace)
        missing = "" if crash["where"] else missing_module(stdout + "\n" + stderr)
        if missing:
            result.environment = _environment(missing, crash["message"])
        else:
            result.failure = crash
    elif not finished:  # os._exit() or a hard crash: no pytest hook ran after it
        running = state.get("running", "")
        result.failure = {
            "test": running,
            "message": f"the test process ended before the tests finished (exit code {code})"
            + (f", during {running}" if running else "")
            + ": does your code call os._exit() or exit(), or crash Python?",
            "where": "",
            "stdout": "",
        }
    elif code != 0 and collected:
        result.failure = _explain_crash(stdout + "\n" + stderr, workspace)
    elif collected == 0:
        result.environment = (
            "no tests were collected for this exercise (an error in the course's exercise "
            "list, not in your code); progress unchanged"
        )
    elif n_skipped:
        result.environment = (
            f"{n_skipped} of {collected} tests were skipped ({state.get('first_skip', '')}): "
            "a check passes only when every test runs; progress unchanged"
        )
    elif n_passed > 0 and n_passed + n_xfailed == collected:
        result.passed = True
    else:
        result.failure = {
            "message": f"only {n_passed} of {collected} tests ran and passed",
            "where": "",
            "stdout": stdout[-2000:],
        }
    return result


def _environment(missing: str, message: str) -> str:
    """The message for a module missing from the learner's Python (not their code)."""
    return (
        f"this Python has no `{missing}` ({message.strip().splitlines()[-1] if message.strip() else 'not installed'}), "
        f"which the tests need. Not your code: progress unchanged.\n"
        f"Install it: {install_advice(missing)}   (`groundup doctor` checks the rest)"
    )


def _explain_crash(text: str, workspace: Path | None) -> dict:
    """The tests did not start (e.g. a syntax error in a file the package imports): say why, and where."""
    errors = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
    last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:] or [""]
    message = errors[-1] if errors else last[0]
    where = ""
    if workspace is not None:
        hits = re.findall(rf'File "({re.escape(str(workspace))}[^"]*)", line (\d+)', text)
        if hits:
            where = f"{Path(hits[-1][0]).relative_to(workspace)}:{hits[-1][1]}"
    return {
        "message": f"the tests cannot import your code: {message}",
        "where": where,
        "stdout": "",
        "detail": text[-6000:],
    }


def run_gradcheck(
    ex: catalog.Exercise,
    workspace: Path | None,
    time_limit: float,
    *,
    modules: list[str] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[bool, str]:
    """The finite-difference check of ``ex.gradcheck`` on the learner's code."""
    env = overlay_env(workspace, modules)
    cmd = bootstrap_command(
        workspace,
        time_limit,
        "module",
        "groundup.learn.gradcheck_runner",
        ex.gradcheck,
        json.dumps([list(s) for s in ex.gradcheck_shapes]),
    )
    stdout, stderr, code = run_process(
        cmd, env=env, cwd=catalog.repo_root(), timeout=time_limit + 30, cancel=cancel
    )
    if code == -9 or "Timeout (" in stderr:
        return False, f"gradient check stopped at the time limit of {time_limit:g} s"
    for line in stdout.splitlines()[::-1]:
        if line.startswith("{"):
            out = json.loads(line)
            return out["passed"], f"finite-difference gradient check {out['report']}"
    return False, "gradient check could not run: " + stderr.strip()[-800:]


def check(
    ws: Workspace,
    exercise_id: str,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    cancel: threading.Event | None = None,
) -> CheckResult:
    """Check one exercise in ``ws`` and record the outcome in its progress file.

    An environment problem is returned but not recorded; a cancelled check raises
    :class:`CheckCancelled` and records nothing.
    """
    ex = catalog.get_exercise(exercise_id)
    missing = [m for m in ex.modules if not ws.learner_file(m).is_file()]
    if missing:  # checking the reference would record a pass the learner did not earn
        raise GroundupError(
            f"{exercise_id}: no file of yours for {', '.join(missing)} in {ws.root}; "
            f"`groundup learn start {exercise_id}` first"
        )
    modules = overlay_for(ws, ex)
    result = run_tests(ex, ws.root, time_limit=time_limit, modules=modules, cancel=cancel)
    _name_other_exercises(ws, ex, modules, result)
    if result.environment:
        return result
    if result.passed and ex.gradcheck:
        ok, text = run_gradcheck(ex, ws.root, time_limit, modules=modules, cancel=cancel)
        result.failure = {} if ok else {"message": text, "where": "", "stdout": ""}
        result.passed = ok
        result.gradcheck = text
    fields = {"status": "passed" if result.passed else "failed", "last_check": now()}
    if result.passed:
        fields["passed_at"] = now()
        fields["message"] = ""
    else:
        fields["message"] = result.failure.get("message", "")[:500]
    ws.record(exercise_id, **fields)
    return result


def _name_other_exercises(
    ws: Workspace, ex: catalog.Exercise, modules: list[str], result: CheckResult
) -> None:
    """Which other exercises the tests used (yours or the reference), and whose file failed."""
    progress = ws.load_progress()["exercises"]
    imported = set(result.imported)
    for other in catalog.exercises().values():
        if other.id == ex.id or other.id not in progress:
            continue
        used = [m for m in other.modules if m in imported]
        if any(m in modules for m in used):
            result.uses.append(other.id)
        elif used:
            result.reference_for.append(other.id)
    where = result.failure.get("where", "")
    for other in catalog.exercises().values():
        if other.id == ex.id:
            continue
        for m in other.modules:
            if m in modules and where.startswith(f"src/{catalog.module_path(m).as_posix()}:"):
                result.failure["message"] = (
                    f"the failure is in your file of exercise `{other.id}` (passed earlier), "
                    f"which this check also uses; `groundup check {other.id}` re-checks it.\n"
                    + result.failure.get("message", "")
                )
                return


def render(result: CheckResult) -> str:
    """The check's outcome as the learner reads it: the first failure only."""
    if result.environment:
        return f"⚠️  {result.exercise}: not checked: {result.environment}"
    if result.passed:
        lines = [f"✅ {result.exercise}: all {result.n_passed} tests pass"]
        if result.gradcheck:
            lines.append(result.gradcheck)
    else:
        f = result.failure
        lines = [
            f"❌ {result.exercise}: "
            + ("time limit" if result.timed_out else f.get("test", "") or "failed")
        ]
        lines.append(f.get("message", ""))
        if f.get("where"):
            lines.append(f"  at {f['where']}")
        if f.get("stdout", "").strip():
            lines.append("your printed output:\n" + f["stdout"].rstrip())
    if result.uses:
        lines.append(f"(these tests also used your code of: {', '.join(result.uses)})")
    if result.reference_for:
        lines.append(f"(and the reference for {', '.join(result.reference_for)}, not passed yet)")
    return "\n".join(lines)
