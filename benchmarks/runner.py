"""Run registered workloads, groundup against the reference, and report median ratios.

Method: in one process, each workload is set up once, warmed up, then timed for
``rounds`` rounds. A round times groundup and the reference back to back (the order
alternates between rounds, so neither always runs on a warm cache), each over
``number`` calls, where ``number`` is calibrated so a timing lasts at least
``min_time`` seconds. Reported: the median time per call of each, their ratio
groundup / reference (the ratio of the two medians shown, so a reader can check it),
and the range of the per-round ratios (how much the load moved it).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.registry import WORKLOADS, Workload


@dataclass
class Result:
    """The timings of one workload: seconds per call, per round."""

    workload: Workload
    number: int
    groundup: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)

    @property
    def groundup_median(self) -> float:
        return statistics.median(self.groundup)

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference)

    @property
    def ratio(self) -> float:
        """groundup's median time over the reference's: the ratio of the medians shown.

        (Not the median of the per-round ratios, which can differ a lot from it under a
        load that changes between rounds: 9.5 ms vs 11.3 ms was once shown as 0.52x.)
        """
        return self.groundup_median / self.reference_median

    @property
    def round_ratios(self) -> list[float]:
        """groundup / reference within each round, in round order."""
        return [g / r for g, r in zip(self.groundup, self.reference)]

    @property
    def ratio_range(self) -> str:
        """The smallest and largest per-round ratio, ``0.91-1.07x``."""
        ratios = self.round_ratios
        return f"{min(ratios):.2f}-{max(ratios):.2f}x"


def load_workloads() -> None:
    """Import every ``benchmarks/bench_*.py`` module: importing registers its workloads."""
    import benchmarks

    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{info.name}")


def groups() -> list[str]:
    """The registered group names, sorted."""
    load_workloads()
    return sorted({g for g, _ in WORKLOADS})


def select(group_names: Sequence[str] = ()) -> list[Workload]:
    """The workloads of ``group_names`` (all groups when empty), in registration order."""
    load_workloads()
    known = groups()
    unknown = [g for g in group_names if g not in known]
    if unknown:
        raise ValueError(
            f"unknown benchmark group(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    return [w for (g, _), w in WORKLOADS.items() if not group_names or g in group_names]


CLOCKS: dict[str, Callable[[], float]] = {
    "wall": time.perf_counter,
    "cpu": time.process_time,
}
"""``wall``: elapsed time (what a user waits). ``cpu``: this process's CPU time, which on a
machine shared with other jobs leaves out the time spent waiting for a core (fair when
both libraries run one thread: ``--threads 1``)."""


def _time(
    fn: Callable[[], object], number: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number


def _calibrate(
    fn: Callable[[], object], min_time: float, clock: Callable[[], float] = time.perf_counter
) -> int:
    """Calls per timing so that one timing lasts at least ``min_time`` seconds."""
    number = 1
    while True:
        elapsed = _time(fn, number, clock) * number
        if elapsed >= min_time or number >= 1_000_000:
            return number
        number *= 2 if elapsed > min_time / 10 else 10


def run_workload(
    w: Workload, rounds: int = 15, warmup: int = 3, min_time: float = 0.02, clock: str = "wall"
) -> Result:
    """Time ``w``: ``rounds`` alternating rounds after ``warmup`` calls of each side.

    ``clock`` is a key of :data:`CLOCKS`.
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}")
    tick = CLOCKS[clock]
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    run_g, run_r = w.setup()
    for _ in range(warmup):
        run_g()
        run_r()
    number = max(_calibrate(run_g, min_time, tick), _calibrate(run_r, min_time, tick))
    result = Result(w, number)
    for i in range(rounds):
        if i % 2 == 0:
            result.groundup.append(_time(run_g, number, tick))
            result.reference.append(_time(run_r, number, tick))
        else:
            result.reference.append(_time(run_r, number, tick))
            result.groundup.append(_time(run_g, number, tick))
    return result


def run(
    group_names: Sequence[str] = (),
    rounds: int = 15,
    min_time: float = 0.02,
    progress: Callable[[Workload], None] | None = None,
    clock: str = "wall",
) -> list[Result]:
    """Run every selected workload; ``progress`` is told which one starts."""
    results = []
    for w in select(group_names):
        if progress is not None:
            progress(w)
        results.append(run_workload(w, rounds=rounds, min_time=min_time, clock=clock))
    return results


def format_seconds(s: float) -> str:
    """``1.23 ms``, ``45.6 µs``: three significant digits in a readable unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def rich_table(results: Sequence[Result], title: str = "groundup / reference") -> object:
    """The results as a Rich table: medians and the median ratio per workload."""
    from rich.table import Table

    table = Table(title=title)
    for col, justify in [
        ("group", "left"),
        ("workload", "left"),
        ("groundup", "right"),
        ("reference", "right"),
        ("ratio of medians", "right"),
        ("per-round ratios", "right"),
    ]:
        table.add_column(col, justify=justify)
    for r in results:
        w = r.workload
        table.add_row(
            w.group,
            w.name,
            format_seconds(r.groundup_median),
            f"{format_seconds(r.reference_median)} ({w.reference})",
            f"{r.ratio:.2f}x",
            r.ratio_range,
        )
    return table


def markdown_table(results: Sequence[Result]) -> str:
    """The results as a Markdown table (the body of a ``docs/benchmarks.md`` section)."""
    lines = [
        "| workload | groundup (median) | reference (median) | ratio groundup/reference "
        "| per-round ratios |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.workload.name} | {format_seconds(r.groundup_median)} | "
            f"{format_seconds(r.reference_median)} ({r.workload.reference}) | "
            f"**{r.ratio:.2f}x** | {r.ratio_range} |"
        )
    return "\n".join(lines)


_DOC_HEADER = """# Benchmarks

groundup against the reference (PyTorch CPU, scikit-learn) on the same inputs, in one
process: per workload, several rounds alternating the two, after a warm-up. Each table
gives the median time per call of each, the ratio of those two medians
groundup / reference (below 1: groundup is faster) and the range of the per-round ratios. Every section says how to
reproduce it; `python -m benchmarks GROUP --write` replaces that section.
"""


def write_section(path: Path, group: str, body: str) -> None:
    """Replace the text between ``<!-- bench:GROUP -->`` and ``<!-- /bench:GROUP -->``.

    The section is appended when it is not there yet; the rest of the file is kept.
    """
    start, end = f"<!-- bench:{group} -->", f"<!-- /bench:{group} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else _DOC_HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
