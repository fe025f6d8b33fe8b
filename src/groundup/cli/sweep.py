"""`groundup sweep NAME`: a milestone over a grid of options and seeds, on Ray."""

from __future__ import annotations

import typer


def sweep(
    name: str = typer.Argument(..., help="Milestone name (see groundup run --list)."),
    grid: list[str] = typer.Option(
        None,
        "--grid",
        help="KEY=V1,V2,... (repeatable); a tuple option's values are separated by ';'.",
    ),
    seeds: int = typer.Option(3, "--seeds", help="Seeds 0..N-1 of every grid point."),
    quick: bool = typer.Option(False, "--quick", help="Each trial's seconds-long version."),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the newest sweep of NAME: unfinished trials only."
    ),
    address: str = typer.Option(
        None, "--address", help="A running Ray cluster (ray://HOST:10001 or HOST:6379)."
    ),
    num_cpus: int = typer.Option(
        None, "--num-cpus", help="CPUs of the local Ray instance (default: all cores)."
    ),
    retries: int = typer.Option(1, "--retries", help="Attempts after a trial fails."),
    metric: str = typer.Option(None, "--metric", help="The metric drawn in curves.png."),
    runs_dir: str = typer.Option("runs", "--runs-dir", help="Where run directories are written."),
) -> None:
    """Run NAME over --grid x --seeds as Ray tasks; one table (mean ± std) and one figure."""
    from rich.console import Console
    from rich.table import Table

    from groundup.distributed.sweep import TrialResult, format_cell, parse_grid, run_sweep
    from groundup.errors import GroundupError

    console = Console()

    def show(r: TrialResult) -> None:
        point = ",".join(f"{k}={v}" for k, v in r.trial.point.items()) or "default"
        if r.status == "finished":
            console.print(f"[green]done[/]   {point} seed {r.trial.seed}")
        else:
            console.print(f"[red]failed[/] {point} seed {r.trial.seed}: {r.error}")

    result = run_sweep(
        name,
        parse_grid(grid or []),
        seeds,
        quick=quick,
        runs_dir=runs_dir,
        address=address,
        num_cpus=num_cpus,
        retries=retries,
        resume=resume,
        metric=metric,
        on_result=show,
    )
    table = Table(title=f"{name}: mean ± std over seeds")
    keys = list(dict.fromkeys(k for row in result.table for k in row))
    for k in keys:
        table.add_column(k)
    for row in result.table:
        table.add_row(*(format_cell(row.get(k, "")) for k in keys))
    console.print(table)
    console.print(f"{result.sweep_dir}  (results.md, results.json, curves.png)")
    if result.failed:
        raise GroundupError(
            f"{len(result.failed)} of {len(result.trials)} trials failed (listed in "
            f"{result.sweep_dir / 'results.md'}); `groundup sweep {name} --resume` retries them"
        )
