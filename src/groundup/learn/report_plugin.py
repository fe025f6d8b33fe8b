"""A pytest plugin used by ``groundup check``: explain the first failure, in JSON.

Loaded in the check subprocess with ``-p groundup.learn.report_plugin`` (after the
overlay is installed). It

- makes ``numpy.testing.assert_allclose`` fail with the shapes, dtypes, the largest
  absolute and relative errors and the index where each occurs;
- writes the first failing test's explanation, the learner's file and line where it
  happened and the learner's printed output to ``$GROUNDUP_CHECK_REPORT``;
- counts what was collected, passed, skipped and expected to fail, and names the test
  that is running (written as it starts), so a process that ends early (``os._exit`` in
  the learner's code) is seen as ending early, not as a pass;
- marks a module missing from the environment (``No module named 'torch'`` raised
  outside the learner's files) as ``kind: environment``: not the learner's failure.
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.testing
import pytest

from groundup.learn.doctor import missing_module

_REPORT = os.environ.get("GROUNDUP_CHECK_REPORT", "")
_WORKSPACE = os.environ.get("GROUNDUP_WORKSPACE", "")
_state: dict[str, Any] = {
    "collected": None,
    "passed": 0,
    "failed": 0,
    "skipped": 0,
    "xfailed": 0,
    "first": None,
    "first_skip": "",
    "running": "",
}
_original_allclose = numpy.testing.assert_allclose


def describe_mismatch(actual: Any, desired: Any, rtol: float, atol: float) -> str:
    """Shapes, dtypes and the largest absolute / relative error with their indices.

    Parameters
    ----------
    actual, desired : array_like
        The learner's values and the expected ones.
    rtol, atol : float
        The tolerances of the comparison.
    """
    a = np.asarray(actual)
    d = np.asarray(desired)
    lines = [f"yours: shape {a.shape}, dtype {a.dtype}; expected: shape {d.shape}, dtype {d.dtype}"]
    try:
        a_b, d_b = np.broadcast_arrays(a, d)
    except ValueError:
        return lines[0] + " (the shapes do not broadcast)"
    if a_b.size == 0 or a.dtype.kind not in "biuf" or d.dtype.kind not in "biuf":
        return lines[0]
    a64, d64 = a_b.astype(np.float64), d_b.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # $|a - d|$ and $|a - d| / |d|$, nan where one side is nan and the other is not
        abs_err = np.abs(a64 - d64)
        rel_err = abs_err / np.abs(d64)
    both_nan = np.isnan(a64) & np.isnan(d64)
    same_inf = np.isinf(a64) & (a64 == d64)
    abs_err[both_nan | same_inf] = 0.0
    rel_err[both_nan | same_inf | (abs_err == 0)] = 0.0
    bad = ~(abs_err <= atol + rtol * np.abs(d64))
    lines.append(f"{int(bad.sum())} of {bad.size} values differ (rtol={rtol:g}, atol={atol:g})")
    for name, err in (("absolute", abs_err), ("relative", rel_err)):
        e = np.where(np.isnan(err), np.inf, err)
        idx = np.unravel_index(int(np.argmax(e)), e.shape)
        lines.append(
            f"largest {name} error {err[idx]:.3g} at index {tuple(int(i) for i in idx)}: "
            f"yours {a64[idx]!r}, expected {d64[idx]!r}"
        )
    return "\n".join(lines)


def _assert_allclose(
    actual, desired, rtol=1e-7, atol=0, equal_nan=True, err_msg="", verbose=True, **kw
):
    try:
        _original_allclose(
            actual,
            desired,
            rtol=rtol,
            atol=atol,
            equal_nan=equal_nan,
            err_msg=err_msg,
            verbose=verbose,
            **kw,
        )
    except AssertionError:
        head = f"{err_msg}\n" if err_msg else ""
        raise AssertionError(
            "arrays are not close\n" + head + describe_mismatch(actual, desired, rtol, atol)
        ) from None


def missing_name(text: str) -> str:
    """ "`module` has no `name`: ..." for an attribute or import error message, else ``""``."""
    m = re.search(r"module '([\w.]+)' has no attribute '(\w+)'", text) or re.search(
        r"cannot import name '(\w+)' from '([\w.]+)'", text
    )
    if not m:
        return ""
    module, name = (m[1], m[2]) if "has no attribute" in text else (m[2], m[1])
    return f"`{module}` has no `{name}`: your file must define `{name}` (the stub shows its signature)."


def explain(exc: BaseException) -> str:
    """One readable paragraph for an exception raised by the learner's code or a test."""
    text = str(exc)
    if isinstance(exc, NotImplementedError):
        return f"not implemented yet: {text}"
    if missing := missing_name(text):
        return missing
    if isinstance(exc, TypeError) and re.search(r"argument|takes \d+|positional|keyword", text):
        return f"wrong signature: {text} (compare your `def` line with the stub's)."
    return f"{type(exc).__name__}: {text}"


def _learner_frame(excinfo: pytest.ExceptionInfo) -> str:
    if not _WORKSPACE:
        return ""
    ws = str(Path(_WORKSPACE).resolve())
    where = ""
    for entry in excinfo.traceback:
        path = str(entry.path)
        if path.startswith(ws):
            line = entry.lineno + 1
            try:
                code = entry.statement.lines[0].strip() if entry.statement.lines else ""
            except Exception:  # source not readable
                code = ""
            code = code if len(code) <= 72 else code[:69] + "..."
            where = f"{Path(path).relative_to(ws)}:{line}" + (f"   {code}" if code else "")
    return where


def _hypothesis_profile() -> None:
    """A profile without the shrink phase: a check shows the first failing example, fast."""
    try:
        from hypothesis import HealthCheck, Phase, settings
    except ImportError:  # pragma: no cover - hypothesis is a test dependency
        return
    settings.register_profile(
        "groundup-check",
        deadline=None,
        max_examples=int(os.environ.get("GROUNDUP_HYPOTHESIS_EXAMPLES", "25")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        print_blob=False,
    )
    os.environ["GROUNDUP_HYPOTHESIS_PROFILE"] = "groundup-check"
    settings.load_profile("groundup-check")


_hypothesis_profile()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    numpy.testing.assert_allclose = _assert_allclose


def pytest_runtestloop(session: pytest.Session) -> None:
    """Restart the time limit's clock now that importing and collecting are done."""
    fd, limit = os.environ.get("GROUNDUP_DUMP_FD"), float(os.environ.get("GROUNDUP_TIME_LIMIT", 0))
    if fd and limit > 0:
        _state["dump_file"] = os.fdopen(int(fd), "w", closefd=False)
        faulthandler.dump_traceback_later(limit, exit=True, file=_state["dump_file"])


def pytest_collection_finish(session: pytest.Session) -> None:
    _state["collected"] = len(session.items)
    _write()


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    _state["running"] = nodeid
    _write()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.passed:
        _state["passed"] += 1
    if report.skipped:
        if hasattr(report, "wasxfail"):
            _state["xfailed"] += 1
        else:
            _state["skipped"] += 1
            if not _state["first_skip"] and isinstance(report.longrepr, tuple):
                _state["first_skip"] = f"{item.nodeid}: {report.longrepr[2]}"
    if not report.failed:
        return
    _state["failed"] += 1
    if _state["first"] is not None:
        return
    exc = call.excinfo.value if call.excinfo else None
    where = _learner_frame(call.excinfo) if call.excinfo else ""
    missing = missing_module(str(exc)) if isinstance(exc, ImportError) and not where else ""
    _state["first"] = {
        "test": item.nodeid,
        "phase": report.when,
        "kind": "environment" if missing else type(exc).__name__ if exc else "",
        "missing": missing,
        "message": explain(exc) if exc is not None else report.longreprtext[-2000:],
        "where": where,
        "stdout": report.capstdout[-4000:],
        "detail": report.longreprtext[-6000:],
    }
    _write()


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A test file that cannot be imported: usually a syntax or import error in the learner's file."""
    if not report.failed or _state["first"] is not None:
        return
    _state["failed"] += 1
    text = report.longreprtext
    errors = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
    message = errors[-1] if errors else (text.strip().splitlines() or [""])[-1]
    where = ""
    if _WORKSPACE:
        ws = str(Path(_WORKSPACE).resolve())
        hits = re.findall(rf'(?:File "|^)({re.escape(ws)}[^":]*)"?(?:, line |:)(\d+)', text, re.M)
        if hits:
            path, line = hits[-1]
            where = f"{Path(path).relative_to(ws)}:{line}"
    missing = "" if where else missing_module(text)
    _state["first"] = {
        "test": report.nodeid,
        "phase": "import",
        "kind": "environment" if missing else "CollectError",
        "missing": missing,
        "message": missing_name(message) or f"the tests cannot import your code: {message}",
        "where": where,
        "stdout": "",
        "detail": text[-6000:],
    }
    _write()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _state["exitstatus"] = int(exitstatus)
    _state["running"] = ""
    # which groundup modules the tests used: the checker names the other exercises among them
    _state["imported"] = sorted(m for m in sys.modules if m.startswith("groundup."))
    _write()


def _write() -> None:
    if _REPORT:
        state = {k: v for k, v in _state.items() if k != "dump_file"}
        # whole or not at all: the process may be stopped at any moment (time limit, cancel)
        tmp = Path(_REPORT + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, _REPORT)
