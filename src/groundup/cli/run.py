"""`groundup run NAME`: train a milestone of the syllabus and check its target."""

from __future__ import annotations

import math
import re
from typing import Any

import typer


def _parse_sets(values: list[str]) -> dict[str, str]:
    from groundup.errors import GroundupError

    out = {}
    for v in values:
        if "=" not in v:
            raise GroundupError(f"--set {v!r}: expected KEY=VALUE")
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


def format_number(v: Any) -> str:
    """A summary value as a person reads it: ``12,834``, ``0.9812``, ``1.5e-05``, ``True``."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if abs(v) >= 1000 or (v.is_integer() and abs(v) >= 1):
            return f"{v:,.0f}" if abs(v) >= 1000 or v.is_integer() else f"{v:,.1f}"
        if v == 0 or abs(v) >= 1e-3:
            return f"{v:.4g}"
        return f"{v:.3g}"
    return str(v)


def _short_time(text: str) -> str:
    m = re.match(r"~?[\d.,]+(?:\s*-\s*[\d.,]+)?\s*(?:s|min|h)\b", text.strip())
    return m.group(0) if m else text.split(";")[0].split("(")[0].strip()


def _clip(text: str, limit: int = 64) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"


def _short_target(text: str) -> str:
    # the first clause, clipped: `groundup run --list NAME` prints the whole target
    return _clip(re.sub(r"\s*\([^)]*\)", "", text).split(";")[0].strip())


def _short_title(text: str) -> str:
    return _clip(re.sub(r"\s*\([^)]*\)", "", re.split(r"[:;]", text)[0]).strip())


def list_milestones(console: Any) -> None:
    """The compact table: name, what, target, time, in curriculum order."""
    from rich.table import Table

    from groundup.milestones import in_curriculum_order

    table = Table(box=None, pad_edge=False, header_style="bold", padding=(0, 1))
    table.add_column("name", no_wrap=True)
    table.add_column("what", ratio=1)
    table.add_column("target", ratio=1)
    table.add_column("time", no_wrap=True)
    for m in in_curriculum_order():
        table.add_row(
            m.name, _short_title(m.title), _short_target(m.target), _short_time(m.expected_time)
        )
    console.print(table)
    console.print(
        "[dim]`groundup run --list NAME`: one milestone's options, defaults and variants[/]"
    )


def show_milestone(console: Any, name: str) -> None:
    """One milestone: what, target, time, its ``--set`` options (type, default, help), variants."""
    from rich.table import Table

    from groundup.milestones import get
    from groundup.milestones.config import describe_fields, format_value

    m = get(name)
    console.print(f"[bold]{m.name}[/]: {m.title}")
    console.print(f"[dim]{m.phase}[/]")
    console.print(f"target: {m.target}")
    console.print(f"time:   {m.expected_time}")
    fields = describe_fields(m.config)
    if fields:
        table = Table(title="options (--set KEY=VALUE)", title_justify="left", box=None)
        for col in ("option", "type", "default", "help"):
            table.add_column(col, overflow="fold")
        for f in fields:
            table.add_row(f.name, f.type_name, format_value(f.default), f.help)
        console.print(table)
    else:
        console.print("no options")
    for k, v in m.variants.items():
        console.print(f"variant [bold]{k}[/]: {v}")


def run(
    name: str = typer.Argument(None, help="Milestone name (see --list).", show_default=False),
    list_: bool = typer.Option(
        False,
        "--list",
        help="List the milestones (name, what, target, time); with NAME: its options.",
    ),
    seed: int = typer.Option(0, help="Seed of every random generator of the run."),
    epochs: int = typer.Option(None, help="Number of epochs (same as --set epochs=N)."),
    quick: bool = typer.Option(
        False, "--quick", help="A seconds-long version (for tests); no target check."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the newest interrupted run from its checkpoint."
    ),
    set_: list[str] = typer.Option(
        None, "--set", help="Milestone option KEY=VALUE (see --list NAME)."
    ),
    runs_dir: str = typer.Option("runs", "--runs-dir", help="Where run directories are written."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    threads: int = typer.Option(
        1,
        "--threads",
        help="BLAS threads. 1 is fastest for these small matrices (no oversubscription).",
    ),
    mine: bool = typer.Option(
        False, "--mine", help="Train on your own code (the active learner workspace overlaid)."
    ),
) -> None:
    """Train the milestone NAME; writes runs/NAME/<time>/ (metrics, curves, checkpoint, summary)."""
    if mine:
        import sys

        from groundup.cli.workbench import run_mine

        raise typer.Exit(run_mine([a for a in sys.argv[1:] if a != "--mine"]))
    from rich.console import Console
    from rich.table import Table

    from groundup.errors import GroundupError

    console = Console()
    if list_:
        if name is None:
            list_milestones(console)
        else:
            show_milestone(console, name)
        return
    if name is None:
        raise GroundupError("name a milestone to run, or pass --list")
    from threadpoolctl import threadpool_limits

    from groundup.milestones.runner import run_milestone

    with threadpool_limits(threads):
        result = run_milestone(
            name,
            seed=seed,
            epochs=epochs,
            quick=quick,
            resume=resume,
            options=_parse_sets(set_ or []),
            runs_dir=runs_dir,
            show_progress=not no_progress,
        )
    table = Table(title=f"{name}: summary", show_header=False)
    for k, v in result.summary.items():
        if isinstance(v, dict | list) or (isinstance(v, str) and len(v) > 200):
            continue
        if k == "passed":
            v = (
                "not checked (quick run)"
                if quick or result.summary.get("quick")
                else "no target"
                if v is None
                else "yes"
                if v
                else "no"
            )
        table.add_row(k, format_number(v))
    console.print(table)
    if result.passed is False:
        raise GroundupError(
            f"{name} missed its target ({result.summary['target']}); see {result.out_dir}"
        )
    verdict = (
        "target met"
        if result.passed
        else "done (quick run: target not checked)"
        if result.summary.get("quick")
        else "done"
    )
    console.print(f"[green]{verdict}[/]  {result.out_dir}")
