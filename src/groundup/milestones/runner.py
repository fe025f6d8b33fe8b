"""The training runner behind ``groundup run NAME``.

A run of milestone ``NAME`` writes, in ``runs/NAME/<YYYYmmdd-HHMMSS>/``:

* ``config.json`` — the command's arguments, the groundup version, the seed;
* ``metrics.jsonl`` — one JSON object per ``ctx.log(...)`` call;
* ``checkpoint.npz`` — whatever the milestone saves (the epoch-based ones: after every epoch);
* ``curves.png`` — every logged metric against the step;
* ``summary.json`` — the milestone's summary, the target, whether it was met, the wall time.

``--resume`` continues the newest unfinished run of that milestone from its checkpoint;
Ctrl-C stops a run at once, and because the checkpoint is written at the end of each
epoch, at most the current epoch is lost.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groundup.errors import GroundupError
from groundup.milestones import get
from groundup.milestones.base import Milestone, RunContext
from groundup.utils.atomic_io import atomic_write


@dataclass
class RunResult:
    summary: dict[str, Any]
    out_dir: Path
    passed: bool | None


def _latest_unfinished(root: Path) -> Path | None:
    runs = sorted(p for p in root.glob("*") if p.is_dir()) if root.exists() else []
    for run in reversed(runs):
        if (run / "checkpoint.npz").exists() and not (run / "summary.json").exists():
            return run
    return None


def run_milestone(
    name: str,
    *,
    seed: int = 0,
    epochs: int | None = None,
    quick: bool = False,
    resume: bool = False,
    options: dict[str, str] | None = None,
    runs_dir: Path | str = "runs",
    show_progress: bool = True,
    console: Any = None,
) -> RunResult:
    """Train milestone ``name`` and write its run directory; return the summary."""
    milestone = get(name)
    root = Path(runs_dir) / name
    out_dir = None
    if resume:
        out_dir = _latest_unfinished(root)
        if out_dir is None:
            raise GroundupError(
                f"nothing to resume: no unfinished run of {name} with a checkpoint in {root}"
            )
        config = json.loads((out_dir / "config.json").read_text())
        seed, quick = config["seed"], config["quick"]
        epochs = epochs if epochs is not None else config["epochs"]
        options = {**config["options"], **(options or {})}
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out_dir = root / stamp
        n = 1
        while out_dir.exists():
            n += 1
            out_dir = root / f"{stamp}-{n}"

    ctx = RunContext(
        name,
        out_dir,
        seed=seed,
        quick=quick,
        epochs=epochs,
        options=options,
        resumed=resume,
        console=console,
        show_progress=show_progress,
    )
    from groundup import __version__

    ctx.write_json(
        "config.json",
        {
            "milestone": name,
            "seed": seed,
            "quick": quick,
            "epochs": epochs,
            "options": ctx.options,
            "version": __version__,
        },
    )
    t0 = time.perf_counter()
    try:
        summary = milestone.train(ctx)
    except KeyboardInterrupt:
        saved = ctx.checkpoint_path.exists()
        hint = (
            f"resume with `groundup run {name} --resume`"
            if saved
            else "no epoch had finished, nothing saved"
        )
        raise GroundupError(f"interrupted: {hint} (run directory {out_dir})") from None
    unknown = set(ctx.options) - ctx._used_options
    if unknown:
        ctx.console.print(
            f"[yellow]note: options not used by {name}: {', '.join(sorted(unknown))}[/]"
        )
    passed = None if (quick or milestone.check is None) else bool(milestone.check(summary))
    summary = {
        "milestone": name,
        **summary,
        "target": milestone.target,
        "passed": passed,
        "quick": quick,
        "seed": seed,
        "seconds": round(time.perf_counter() - t0, 2),
        "run_dir": str(out_dir),
    }
    plot_curves(ctx.metrics_path, out_dir / "curves.png", title=milestone.title)
    ctx.write_json("summary.json", summary)
    return RunResult(summary, out_dir, passed)


def plot_curves(metrics_path: Path, png_path: Path, title: str = "") -> Path | None:
    """One panel per logged metric, against the step; ``None`` if nothing was logged."""
    if not metrics_path.exists():
        return None
    rows = [json.loads(line) for line in metrics_path.read_text().splitlines() if line.strip()]
    keys = sorted(
        {
            k
            for r in rows
            for k, v in r.items()
            if k not in ("step", "time") and isinstance(v, int | float)
        }
    )
    if not keys:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(3, len(keys))
    rows_n = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(4.2 * cols, 3.0 * rows_n), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        pts = [
            (r["step"] if r["step"] is not None else i, r[key])
            for i, r in enumerate(rows)
            if key in r
        ]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="." if len(pts) < 60 else None)
        ax.set_title(key)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, dpi=100, format="png")
    plt.close(fig)
    atomic_write(png_path, buf.getvalue())
    return png_path


def describe(milestone: Milestone) -> dict[str, str]:
    return {
        "name": milestone.name,
        "title": milestone.title,
        "phase": milestone.phase,
        "target": milestone.target,
        "time": milestone.expected_time,
    }
