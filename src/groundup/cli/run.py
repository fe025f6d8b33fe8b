"""`groundup run NAME`: train a milestone of the syllabus and check its target."""

from __future__ import annotations

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


def run(
    name: str = typer.Argument(None, help="Milestone name (see --list).", show_default=False),
    list_: bool = typer.Option(
        False, "--list", help="List every milestone with its target and time."
    ),
    seed: int = typer.Option(0, help="Seed of every random generator of the run."),
    epochs: int = typer.Option(None, help="Override the number of epochs."),
    quick: bool = typer.Option(
        False, "--quick", help="A seconds-long version (for tests); no target check."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the newest interrupted run from its checkpoint."
    ),
    set_: list[str] = typer.Option(None, "--set", help="Milestone option KEY=VALUE (see --list)."),
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
    from groundup.milestones import all_milestones

    console = Console()
    if list_:
        table = Table(title="groundup milestones", show_lines=True)
        for col in ("name", "what", "target", "expected time (2 CPU cores)"):
            table.add_column(col)
        for m in all_milestones().values():
            extra = "".join(f"\n{k}: {v}" for k, v in m.variants.items())
            opts = "".join(f"\n--set {k}: {v}" for k, v in m.options.items())
            table.add_row(
                m.name, f"{m.title}\n[dim]{m.phase}{opts}[/]", m.target, m.expected_time + extra
            )
        console.print(table)
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
        table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(table)
    if result.passed is False:
        raise GroundupError(
            f"{name} missed its target ({result.summary['target']}); see {result.out_dir}"
        )
    verdict = (
        "target met"
        if result.passed
        else "done (quick run: target not checked)"
        if quick
        else "done"
    )
    console.print(f"[green]{verdict}[/]  {result.out_dir}")
