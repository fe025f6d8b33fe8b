"""``groundup dev check-exercises``: every exercise is well made.

For each exercise: its modules' region markers are balanced (and name no other
exercise), its generated stub imports and fails its tests with its own
``NotImplementedError``, and the reference passes the same tests. Exercises are checked
in parallel subprocesses.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from groundup.learn import catalog, checker
from groundup.learn.regions import RegionError, find_regions, make_stub


@dataclass
class AuthorReport:
    """Problems found for one exercise (empty: fine) and the time taken."""

    exercise: str
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No problems."""
        return not self.problems


def marker_problems(ex: catalog.Exercise) -> list[str]:
    """Unbalanced markers, modules without regions, regions naming another exercise."""
    problems = []
    for module in ex.modules:
        ref = catalog.reference_file(module)
        if not ref.is_file():
            problems.append(f"{module}: no file {ref}")
            continue
        try:
            regions = find_regions(ref.read_text(encoding="utf-8"), str(ref))
        except RegionError as e:
            problems.append(str(e))
            continue
        if not regions:
            problems.append(f"{ref}: no '# BEGIN SOLUTION' region for exercise {ex.id!r}")
        problems += [
            f"{ref}:{r.begin}: region names exercise {r.exercise!r}, but the file belongs to {ex.id!r}"
            for r in regions
            if r.exercise not in (None, ex.id)
        ]
    return problems


def write_stubs(root: Path, exercises: list[catalog.Exercise]) -> None:
    """A workspace at ``root`` holding the stubs of ``exercises``."""
    (root / "src" / "groundup").mkdir(parents=True, exist_ok=True)
    (root / "groundup-workspace.toml").write_text("format = 1\n", encoding="utf-8")
    for ex in exercises:
        for module in ex.modules:
            ref = catalog.reference_file(module)
            path = root / "src" / catalog.module_path(module)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make_stub(ref.read_text(encoding="utf-8"), ex.message, str(ref)))


def stubs_import(exercises: list[catalog.Exercise], time_limit: float = 120) -> list[str]:
    """Import every stub at once (one overlaid subprocess); the errors, if any."""
    with tempfile.TemporaryDirectory(prefix="groundup-stubs-") as tmp:
        root = Path(tmp)
        try:
            write_stubs(root, exercises)
        except RegionError as e:
            return [f"stubs cannot be cut: {e}"]
        modules = [m for ex in exercises for m in ex.modules]
        cmd = checker.bootstrap_command(
            root, time_limit, "module", "groundup.learn.import_check", *modules
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=time_limit + 30)
        if proc.returncode != 0:
            return [f"stubs do not import: {proc.stderr.strip()[-1500:]}"]
    return []


def check_one(ex: catalog.Exercise, time_limit: float = 300) -> AuthorReport:
    """All checks for one exercise (markers, stub fails with its message, reference passes)."""
    import time

    t0 = time.perf_counter()
    report = AuthorReport(ex.id, marker_problems(ex))
    if report.problems:
        return report
    tmp = Path(tempfile.mkdtemp(prefix=f"groundup-author-{ex.id}-"))
    try:
        write_stubs(tmp, [ex])
        stub = checker.run_tests(ex, tmp, time_limit=time_limit)
        expected = f"not implemented yet: {ex.id}:"
        if stub.passed:
            report.problems.append("the stub passes its tests (the tests do not reach the region)")
        elif expected not in stub.failure.get("message", ""):
            report.problems.append(
                "the stub fails, but not with its NotImplementedError: "
                + stub.failure.get("message", "")[:800]
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ref = checker.run_tests(ex, None, time_limit=time_limit)
    if not ref.passed:
        report.problems.append(
            "the reference fails its tests: " + ref.failure.get("message", "")[:800]
        )
    report.seconds = time.perf_counter() - t0
    return report


def check_exercises(ids: list[str] | None = None, jobs: int = 2) -> list[AuthorReport]:
    """Check ``ids`` (default: every exercise), ``jobs`` at a time."""
    all_ = catalog.exercises()
    chosen = [catalog.get_exercise(i) for i in ids] if ids else list(all_.values())
    problems = stubs_import(chosen)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reports = list(pool.map(check_one, chosen))
    if problems:
        reports.insert(0, AuthorReport("(all stubs)", problems))
    return reports


if __name__ == "__main__":  # pragma: no cover
    bad = [r for r in check_exercises() if not r.ok]
    sys.exit(1 if bad else 0)
