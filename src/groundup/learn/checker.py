"""``groundup check``: run an exercise's own tests on the learner's code, explain the first failure.

The tests run in a subprocess (``_bootstrap.py``) with the workspace overlaid, ``-x`` so
they stop at the first failure, and a time limit after which the stacks are dumped and
the process ends; :mod:`groundup.learn.report_plugin` writes what failed and where.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from groundup.errors import GroundupError
from groundup.learn import catalog
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

    def summary(self) -> str:
        """One line: passed, or the first failure's message."""
        if self.passed:
            return f"{self.exercise}: passed ({self.n_passed} tests)"
        return f"{self.exercise}: {self.failure.get('message', 'failed').splitlines()[0]}"


def bootstrap_command(workspace: Path | None, time_limit: float, *args: str) -> list[str]:
    """``python _bootstrap.py WORKSPACE LIMIT ARGS...``: a process with the overlay installed first."""
    return [sys.executable, str(BOOTSTRAP), str(workspace or ""), str(time_limit), *args]


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
) -> CheckResult:
    """Run ``ex``'s tests with ``workspace`` overlaid (``None``: on the reference)."""
    import time

    with tempfile.TemporaryDirectory(prefix="groundup-check-") as tmp:
        report_path = Path(tmp) / "report.json"
        env = dict(os.environ)
        env["GROUNDUP_CHECK_REPORT"] = str(report_path)
        env.pop("GROUNDUP_WORKSPACE", None)
        if workspace is not None:
            env["GROUNDUP_WORKSPACE"] = str(workspace)
        cmd = bootstrap_command(
            workspace, time_limit, *pytest_args(ex, first_failure_only=first_failure_only)
        )
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=catalog.repo_root(),
                env=env,
                capture_output=True,
                text=True,
                timeout=time_limit + 150,
            )
            stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as e:  # the dump did not end it: a hard stop
            stdout = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else e.stdout or ""
            stderr = (e.stderr or b"").decode() if isinstance(e.stderr, bytes) else e.stderr or ""
            code = -9
        seconds = time.perf_counter() - t0
        state = json.loads(report_path.read_text()) if report_path.exists() else {}
    result = CheckResult(
        ex.id,
        passed=code == 0 and state.get("failed", 0) == 0,
        n_passed=state.get("passed", 0),
        n_failed=state.get("failed", 0),
        seconds=seconds,
    )
    if "Timeout (" in stderr or code == -9:
        result.passed = False
        result.timed_out = True
        result.failure = {
            "message": f"stopped at the time limit of {time_limit:g} s (an endless loop, or far too slow)",
            "where": _where_stuck(stderr, workspace),
            "stdout": stdout[-2000:],
        }
    elif not result.passed:
        result.failure = state.get("first") or _explain_crash(stdout + "\n" + stderr, workspace)
    return result


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
    ex: catalog.Exercise, workspace: Path | None, time_limit: float
) -> tuple[bool, str]:
    """The finite-difference check of ``ex.gradcheck`` on the learner's code."""
    env = dict(os.environ)
    env.pop("GROUNDUP_WORKSPACE", None)
    if workspace is not None:
        env["GROUNDUP_WORKSPACE"] = str(workspace)
    cmd = bootstrap_command(
        workspace,
        time_limit,
        "module",
        "groundup.learn.gradcheck_runner",
        ex.gradcheck,
        json.dumps([list(s) for s in ex.gradcheck_shapes]),
    )
    try:
        proc = subprocess.run(
            cmd,
            env=env,
            capture_output=True,
            text=True,
            timeout=time_limit + 30,
            cwd=catalog.repo_root(),
        )
    except subprocess.TimeoutExpired:
        return False, f"gradient check stopped at the time limit of {time_limit:g} s"
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            out = json.loads(line)
            return out["passed"], f"finite-difference gradient check {out['report']}"
    return False, "gradient check could not run: " + proc.stderr.strip()[-800:]


def check(
    ws: Workspace, exercise_id: str, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Check one exercise in ``ws`` and record the outcome in its progress file."""
    ex = catalog.get_exercise(exercise_id)
    missing = [m for m in ex.modules if not ws.learner_file(m).is_file()]
    if missing:  # checking the reference would record a pass the learner did not earn
        raise GroundupError(
            f"{exercise_id}: no file of yours for {', '.join(missing)} in {ws.root}; "
            f"`groundup learn start {exercise_id}` first"
        )
    result = run_tests(ex, ws.root, time_limit=time_limit)
    if result.passed and ex.gradcheck:
        ok, text = run_gradcheck(ex, ws.root, time_limit)
        result.failure = {} if ok else {"message": text, "where": "", "stdout": ""}
        result.passed = ok
        result.gradcheck = text  # type: ignore[attr-defined]
    fields = {"status": "passed" if result.passed else "failed", "last_check": now()}
    if result.passed:
        fields["passed_at"] = now()
        fields["message"] = ""
    else:
        fields["message"] = result.failure.get("message", "")[:500]
    ws.record(exercise_id, **fields)
    return result


def render(result: CheckResult) -> str:
    """The check's outcome as the learner reads it: the first failure only."""
    if result.passed:
        extra = getattr(result, "gradcheck", "")
        return f"✅ {result.exercise}: all {result.n_passed} tests pass" + (
            f"\n{extra}" if extra else ""
        )
    f = result.failure
    lines = [
        f"❌ {result.exercise}: " + ("time limit" if result.timed_out else f.get("test", "failed"))
    ]
    lines.append(f.get("message", ""))
    if f.get("where"):
        lines.append(f"  at {f['where']}")
    if f.get("stdout", "").strip():
        lines.append("your printed output:\n" + f["stdout"].rstrip())
    return "\n".join(lines)
