"""The training runner behind ``groundup run NAME``.

A run of milestone ``NAME`` writes, in ``runs/NAME/<YYYYmmdd-HHMMSS>/``:

* ``config.json`` — the resolved configuration (every field of the milestone's config
  dataclass), the seed, ``quick``, the groundup version;
* ``metrics.jsonl`` — one JSON object per ``ctx.log(...)`` call;
* ``checkpoint.npz`` — written by the run's :class:`~groundup.milestones.loop.TrainingLoop`
  (model, optimiser, scheduler, every generator, the step, the metrics written);
* ``curves.png`` — every logged metric against the step (or epoch);
* ``summary.json`` — the milestone's summary, the resolved configuration, the target,
  whether it was met, the wall time of the whole run.

``--resume`` continues the newest unfinished run of that milestone with its own
configuration: from its checkpoint if it has one (exactly where it stopped: see
:mod:`groundup.milestones.loop`), from the start otherwise. Ctrl-C stops a run at once;
at most the units since the last checkpoint are lost. A NaN or infinite loss stops it
too, naming the step and the largest gradient.
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
from groundup.milestones.config import (
    ConfigError,
    as_dict,
    configure,
    describe_fields,
    from_dict,
)
from groundup.utils.atomic_io import atomic_write
from groundup.utils.memory import reuse_freed_memory


@dataclass
class RunResult:
    summary: dict[str, Any]
    out_dir: Path
    passed: bool | None


def _latest_unfinished(root: Path) -> Path | None:
    runs = sorted(p for p in root.glob("*") if p.is_dir()) if root.exists() else []
    for run in reversed(runs):
        if (run / "config.json").exists() and not (run / "summary.json").exists():
            return run
    return None


def resolve_config(
    milestone: Milestone,
    *,
    quick: bool = False,
    epochs: int | None = None,
    options: dict[str, str] | None = None,
) -> Any:
    """The milestone's configuration: defaults, ``quick()``, ``--epochs`` and ``--set``, checked."""
    sets = dict(options or {})
    if epochs is not None:
        names = [f.name for f in describe_fields(milestone.config)]
        if "epochs" not in names:
            raise ConfigError(
                f"--epochs: {milestone.name} has no epochs; its options are: "
                + (", ".join(names) or "none")
            )
        if "epochs" not in sets:
            sets["epochs"] = str(epochs)
            try:
                return configure(milestone.config, sets, quick=quick)
            except ConfigError as exc:  # say it the way it was typed
                text = str(exc).replace(f"--set epochs={epochs}:", f"--epochs {epochs}:")
                raise ConfigError(text) from None
    return configure(milestone.config, sets, quick=quick)


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
    """Train milestone ``name`` and write its run directory; return the summary.

    ``options`` are the ``--set KEY=VALUE`` strings; ``epochs`` is ``--epochs``. A
    resumed run keeps the configuration, seed and quick flag it was started with.
    """
    milestone = get(name)
    reuse_freed_memory()  # every step allocates the same arrays: keep them mapped
    root = Path(runs_dir) / name
    if resume:
        if options or epochs is not None:
            raise GroundupError(
                "--resume continues a run with its own configuration: drop --set/--epochs"
                " (or start a new run with them)"
            )
        out_dir = _latest_unfinished(root)
        if out_dir is None:
            raise GroundupError(f"nothing to resume: no unfinished run of {name} in {root}")
        saved = json.loads((out_dir / "config.json").read_text())
        if "config" not in saved:
            raise GroundupError(
                f"cannot resume {out_dir}: it was started by an older groundup (no typed "
                f"config in its config.json); start a new run with `groundup run {name}`"
            )
        seed, quick = saved["seed"], saved["quick"]
        cfg = from_dict(milestone.config, saved["config"])
    else:
        cfg = resolve_config(milestone, quick=quick, epochs=epochs, options=options)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        root.mkdir(parents=True, exist_ok=True)
        out_dir, n = root / stamp, 1
        while True:
            try:
                # mkdir claims the name: two runs started in the same second (seeds launched
                # side by side) get two directories, never one shared by both
                out_dir.mkdir()
                break
            except FileExistsError:
                n += 1
                out_dir = root / f"{stamp}-{n}"

    ctx = RunContext(
        name,
        out_dir,
        cfg=cfg,
        seed=seed,
        quick=quick,
        resumed=resume,
        console=console,
        show_progress=show_progress,
    )
    if resume and not ctx.checkpoint_path.exists():
        ctx.console.print(f"{out_dir} has no checkpoint: starting it over")
        ctx.continue_from(0, 0.0)
    from groundup import __version__

    if not resume:
        ctx.write_json(
            "config.json",
            {
                "milestone": name,
                "seed": seed,
                "quick": quick,
                "config": as_dict(cfg),
                "version": __version__,
            },
        )
    try:
        summary = milestone.train(cfg, ctx)
    except KeyboardInterrupt:
        hint = (
            f"resume with `groundup run {name} --resume`"
            if ctx.checkpoint_path.exists()
            else f"nothing saved yet; `groundup run {name} --resume` starts it over"
        )
        raise GroundupError(f"interrupted: {hint} (run directory {out_dir})") from None
    passed = None if (quick or milestone.check is None) else bool(milestone.check(summary))
    summary = {
        "milestone": name,
        **summary,
        "config": as_dict(cfg),
        "target": milestone.target,
        "passed": passed,
        "quick": quick,
        "seed": seed,
        "seconds": round(ctx.elapsed(), 2),
        "run_dir": str(out_dir),
    }
    plot_curves(
        ctx.metrics_path, out_dir / "curves.png", title=milestone.title, x_label=ctx.step_name
    )
    ctx.write_json("summary.json", summary)
    return RunResult(summary, out_dir, passed)


def plot_curves(
    metrics_path: Path, png_path: Path, title: str = "", x_label: str = "step"
) -> Path | None:
    """One panel per logged metric, against the step (named ``x_label``); ``None`` if nothing was logged."""
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
        ax.set_xlabel(x_label)
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
