"""``groundup sweep NAME``: a milestone over a grid of options and seeds, on Ray.

Every trial is one ordinary run (``groundup run NAME --set ... --seed S``) in its own
directory, so anything that reads a run reads a trial, and a trial that stops half-way
resumes from its checkpoint. A sweep writes, in ``runs/NAME/sweep-<time>/``:

* ``sweep.json`` — the milestone, the grid, the seeds, ``quick``;
* ``trials/<point>_seed-<s>/NAME/<time>/`` — each trial's run directory;
* ``results.json`` and ``results.md`` — every trial's status, attempts and summary, and
  per grid point the mean ± standard deviation over seeds of each number in the summaries;
* ``curves.png`` — a metric of ``metrics.jsonl`` against the step, per grid point, the
  mean over seeds with a ±1 std band.

Trials run as Ray tasks, one CPU each: on this machine by default (``ray.init`` sized to
its cores, nothing started that needs the network), on a running cluster with
``address``. A trial that raises, or whose worker dies, is submitted again (it resumes
from its checkpoint) up to ``retries`` times, then reported as failed with its error —
never dropped. ``resume=True`` continues the newest sweep of the milestone: finished
trials are kept as they are, the others run (or resume).

>>> grid_points({"lr": ["0.1", "0.01"], "hidden": ["32"]})
[{'lr': '0.1', 'hidden': '32'}, {'lr': '0.01', 'hidden': '32'}]
>>> parse_grid(["lr=0.1,0.01", "hidden=512,256;128"])
{'lr': ['0.1', '0.01'], 'hidden': ['512,256', '128']}
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groundup.errors import GroundupError
from groundup.utils.atomic_io import atomic_write

__all__ = [
    "SweepResult",
    "Trial",
    "TrialResult",
    "grid_points",
    "parse_grid",
    "run_sweep",
    "run_trial",
]


def parse_grid(values: list[str]) -> dict[str, list[str]]:
    """``["k=v1,v2", ...]`` as ``{k: [v1, v2]}``; a value holding a comma (a tuple option)
    is written with ``;`` between the values: ``hidden=512,256;128``."""
    grid: dict[str, list[str]] = {}
    for v in values:
        key, eq, rest = v.partition("=")
        key = key.strip()
        if not eq or not key or not rest.strip():
            raise GroundupError(f"--grid {v!r}: expected KEY=V1,V2,...")
        if key in grid:
            raise GroundupError(f"--grid: {key} is given twice")
        sep = ";" if ";" in rest else ","
        grid[key] = [x.strip() for x in rest.split(sep) if x.strip()]
    return grid


def grid_points(grid: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of the grid's values; the last key varies fastest."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def _label(point: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in point.items()) or "default"


@dataclass(frozen=True)
class Trial:
    """One grid point at one seed."""

    point: dict[str, str]
    seed: int

    @property
    def id(self) -> str:
        """A directory name: ``lr-0.1_hidden-32_seed-0``."""
        parts = [f"{k}-{v}" for k, v in self.point.items()] + [f"seed-{self.seed}"]
        return re.sub(r"[^A-Za-z0-9.=+-]+", "_", "_".join(parts))


@dataclass
class TrialResult:
    trial: Trial
    status: str  # "finished" or "failed"
    attempts: int
    summary: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class SweepResult:
    sweep_dir: Path
    trials: list[TrialResult]
    table: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[TrialResult]:
        return [t for t in self.trials if t.status != "finished"]


# ---------------------------------------------------------------------- one trial
def run_trial(
    name: str, options: dict[str, str], seed: int, quick: bool, trial_root: str
) -> dict[str, Any]:
    """Run (or resume, or just read) one trial in ``trial_root``; its summary.

    Idempotent, so a retried task continues instead of starting over: a finished trial
    returns its summary, an unfinished one resumes from its checkpoint.
    """
    from rich.console import Console
    from threadpoolctl import threadpool_limits

    from groundup.milestones.runner import _latest_unfinished, run_milestone

    root = Path(trial_root) / name
    done = sorted(root.glob("*/summary.json"))
    if done:
        return json.loads(done[-1].read_text())
    unfinished = _latest_unfinished(root)
    quiet = Console(file=io.StringIO())
    with threadpool_limits(1):  # one BLAS thread per trial: the trials are the parallelism
        result = run_milestone(
            name,
            seed=seed,
            quick=quick,
            options=None if unfinished else options,
            resume=unfinished is not None,
            runs_dir=trial_root,
            show_progress=False,
            console=quiet,
        )
    return result.summary


# ---------------------------------------------------------------------- the sweep
def _start_ray(address: str | None, num_cpus: int | None) -> Any:
    try:
        import ray
    except ImportError:
        raise GroundupError(
            "groundup sweep runs on Ray: pip install 'groundup[distributed]'"
        ) from None
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(
                num_cpus=num_cpus or os.cpu_count() or 1,
                include_dashboard=False,
                log_to_driver=False,
            )
    return ray


def _newest_sweep(root: Path) -> Path:
    sweeps = sorted(p for p in root.glob("sweep-*") if (p / "sweep.json").exists())
    if not sweeps:
        raise GroundupError(f"nothing to resume: no sweep in {root}")
    return sweeps[-1]


def run_sweep(
    name: str,
    grid: dict[str, list[str]] | None = None,
    seeds: int = 3,
    *,
    quick: bool = False,
    runs_dir: str | Path = "runs",
    address: str | None = None,
    num_cpus: int | None = None,
    retries: int = 1,
    resume: bool = False,
    metric: str | None = None,
    trial_fn: Callable[..., dict[str, Any]] = run_trial,
    on_result: Callable[[TrialResult], Any] | None = None,
) -> SweepResult:
    """Run milestone ``name`` over ``grid`` x ``seeds`` seeds as Ray tasks; see the module docstring.

    ``trial_fn(name, options, seed, quick, trial_root)`` runs one trial (tests pass their
    own); ``on_result`` is called as each trial ends.
    """
    from groundup.milestones import get
    from groundup.milestones.runner import resolve_config

    milestone = get(name)
    root = Path(runs_dir) / name
    if resume:
        if grid:
            raise GroundupError("--resume continues a sweep with its own grid: drop --grid")
        sweep_dir = _newest_sweep(root)
        spec = json.loads((sweep_dir / "sweep.json").read_text())
        grid, seeds, quick = spec["grid"], spec["seeds"], spec["quick"]
    else:
        grid = grid or {}
        if seeds < 1:
            raise GroundupError(f"--seeds must be at least 1, got {seeds}")
        for point in grid_points(grid):  # every grid point is a valid config, before any runs
            resolve_config(milestone, quick=quick, options=point)
        sweep_dir = root / f"sweep-{time.strftime('%Y%m%d-%H%M%S')}"
        n = 1
        while sweep_dir.exists():
            n += 1
            sweep_dir = root / f"sweep-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
        sweep_dir.mkdir(parents=True)
        spec = {"milestone": name, "grid": grid, "seeds": seeds, "quick": quick}
        atomic_write(sweep_dir / "sweep.json", json.dumps(spec, indent=2))
    trials = [Trial(p, s) for p in grid_points(grid) for s in range(seeds)]

    ray = _start_ray(address, num_cpus)
    task = ray.remote(num_cpus=1, max_retries=0)(trial_fn)

    def submit(trial: Trial) -> Any:
        trial_root = str((sweep_dir / "trials" / trial.id).resolve())
        return task.remote(name, trial.point, trial.seed, quick, trial_root)

    attempts = {t.id: 1 for t in trials}
    pending = {submit(t): t for t in trials}
    results: dict[str, TrialResult] = {}
    try:
        _gather(
            ray, pending, submit, attempts, results, retries, on_result, sweep_dir, trials, grid
        )
    except BaseException:  # Ctrl-C: stop the trials still running; --resume continues them
        for ref in pending:
            ray.cancel(ref, force=True)
        raise

    ordered = [results[t.id] for t in trials]
    table = _write_results(sweep_dir, ordered, grid)
    plot_sweep(sweep_dir, ordered, metric=metric, title=milestone.title)
    return SweepResult(sweep_dir, ordered, table)


def _gather(
    ray: Any,
    pending: dict[Any, Trial],
    submit: Callable[[Trial], Any],
    attempts: dict[str, int],
    results: dict[str, TrialResult],
    retries: int,
    on_result: Callable[[TrialResult], Any] | None,
    sweep_dir: Path,
    trials: list[Trial],
    grid: dict[str, list[str]],
) -> None:
    """Wait for the trials as they end; submit a failed one again up to ``retries`` times."""
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        trial = pending.pop(ready[0])
        try:
            summary = ray.get(ready[0])
        except Exception as exc:  # the trial raised, or its worker died
            if attempts[trial.id] <= retries:
                attempts[trial.id] += 1
                pending[submit(trial)] = trial
                continue
            error = str(getattr(exc, "cause", None) or exc).strip().splitlines()
            results[trial.id] = TrialResult(trial, "failed", attempts[trial.id], None, error[-1])
        else:
            results[trial.id] = TrialResult(trial, "finished", attempts[trial.id], summary)
        if on_result is not None:
            on_result(results[trial.id])
        _write_results(sweep_dir, [results[t.id] for t in trials if t.id in results], grid)


# ---------------------------------------------------------------------- gathering
_NOT_METRICS = {"seed", "quick", "passed", "step", "time"}


def aggregate(results: list[TrialResult]) -> list[dict[str, Any]]:
    """Per grid point: ``{"point", "finished", "failed", key: (mean, std, n), ...}``."""
    rows = []
    points: dict[str, list[TrialResult]] = {}
    for r in results:
        points.setdefault(_label(r.trial.point), []).append(r)
    for label, rs in points.items():
        done = [r.summary for r in rs if r.summary is not None]
        row: dict[str, Any] = {
            "point": label,
            "finished": len(done),
            "failed": len(rs) - len(done),
        }
        keys = [
            k
            for k, v in (done[0].items() if done else ())
            if k not in _NOT_METRICS and isinstance(v, int | float) and not isinstance(v, bool)
        ]
        for k in keys:
            xs = [float(s[k]) for s in done if isinstance(s.get(k), int | float)]
            mean = sum(xs) / len(xs)
            std = (
                math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
            )
            row[k] = (mean, std, len(xs))
        rows.append(row)
    return rows


def format_cell(v: Any) -> str:
    if isinstance(v, tuple):
        mean, std, n = v
        return f"{mean:.4g} ± {std:.2g}" if n > 1 else f"{mean:.4g}"
    return str(v)


def markdown_table(table: list[dict[str, Any]]) -> str:
    """The aggregated table as Markdown: one row per grid point, mean ± std over seeds."""
    keys: list[str] = []
    for row in table:
        keys += [k for k in row if k not in keys]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(format_cell(row.get(k, "")) for k in keys) + " |" for row in table]
    return "\n".join(lines) + "\n"


def _write_results(
    sweep_dir: Path, results: list[TrialResult], grid: dict[str, list[str]]
) -> list[dict[str, Any]]:
    table = aggregate(results)
    trials = [
        {
            "point": r.trial.point,
            "seed": r.trial.seed,
            "status": r.status,
            "attempts": r.attempts,
            "error": r.error,
            "run_dir": (r.summary or {}).get("run_dir"),
            "summary": r.summary,
        }
        for r in results
    ]
    out = {"grid": grid, "trials": trials, "table": table}
    atomic_write(sweep_dir / "results.json", json.dumps(out, indent=2, default=list))
    failed = [t for t in trials if t["status"] != "finished"]
    text = markdown_table(table)
    if failed:
        text += "\nFailed trials:\n\n" + "".join(
            f"- {_label(t['point'])}, seed {t['seed']} ({t['attempts']} attempts): {t['error']}\n"
            for t in failed
        )
    atomic_write(sweep_dir / "results.md", text)
    return table


def _curve(run_dir: Path, metric: str | None) -> tuple[str, list[float], list[float]] | None:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if metric is None:  # the first number logged that is not a counter
        for r in rows:
            metric = next(
                (k for k, v in r.items() if k not in _NOT_METRICS and isinstance(v, int | float)),
                None,
            )
            if metric:
                break
    pts = [(r.get("step") or i, r[metric]) for i, r in enumerate(rows) if metric in r]
    if not metric or not pts:
        return None
    return metric, [float(p[0]) for p in pts], [float(p[1]) for p in pts]


def plot_sweep(
    sweep_dir: Path, results: list[TrialResult], metric: str | None = None, title: str = ""
) -> Path | None:
    """``curves.png``: ``metric`` against the step, mean over seeds ±1 std, per grid point."""
    import numpy as np

    curves: dict[str, list[tuple[list[float], list[float]]]] = {}
    for r in results:
        if r.summary is None or not r.summary.get("run_dir"):
            continue
        got = _curve(Path(r.summary["run_dir"]), metric)
        if got is not None:
            metric = got[0]
            curves.setdefault(_label(r.trial.point), []).append((got[1], got[2]))
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, runs in curves.items():
        n = min(len(ys) for _, ys in runs)  # seeds aligned on their common steps
        ys = np.array([y[:n] for _, y in runs])
        x = runs[0][0][:n]
        mean, std = ys.mean(0), ys.std(0)
        ax.plot(x, mean, label=f"{label} ({len(runs)} seeds)")
        ax.fill_between(x, mean - std, mean + std, alpha=0.2)
    ax.set_xlabel("step")
    ax.set_ylabel(metric or "")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=100, format="png")
    plt.close(fig)
    png = sweep_dir / "curves.png"
    atomic_write(png, buf.getvalue())
    return png
