"""Top-level workbench commands: ``groundup check``, ``progress``, ``doctor``, ``dev check-exercises``.

They are also reachable as ``groundup learn check|progress|doctor``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

dev_app = typer.Typer(help="Author tools for the course and the workbench.", no_args_is_help=True)


@dev_app.callback()
def _dev() -> None:
    """Author tools for the course and the workbench."""


def check(
    exercise: str = typer.Argument(None, help="Exercise id (default: the current one)."),
    all_: bool = typer.Option(False, "--all", help="Re-check every started exercise."),
    time_limit: float = typer.Option(
        120.0, "--time-limit", help="Seconds before a check is stopped."
    ),
) -> None:
    """Run the exercise's tests on your code; show the first failure."""
    from rich.console import Console

    from groundup.errors import GroundupError
    from groundup.learn import checker
    from groundup.learn.workspace import Workspace

    console = Console(highlight=False)
    ws = Workspace.find()
    if all_:
        ids = _recheck_all(ws, console)
    else:
        ids = [exercise or ws.current()]
    if not ids:
        raise GroundupError("nothing started yet: `groundup learn start EXERCISE`")
    failed, unchecked = [], []
    for ex_id in ids:
        result = checker.check(ws, ex_id, time_limit=time_limit)
        console.print(
            checker.render(result) if not all_ or not result.passed else result.summary(),
            markup=False,
        )
        if result.environment:
            unchecked.append(ex_id)
        elif not result.passed:
            failed.append(ex_id)
    if failed:
        raise typer.Exit(1)
    if unchecked:  # the environment, not the learner's code: a different exit status
        raise typer.Exit(2)


def _recheck_all(ws, console) -> list[str]:
    """What `check --all` re-checks: every exercise with files in the workspace (the files are
    the record, so a lost or damaged progress.json is rebuilt from them)."""
    from groundup.learn import catalog
    from groundup.learn import progress as prog

    kept = prog.recover(ws)
    if kept is not None:
        console.print(
            f"{ws.progress_path.name} was damaged: kept as {kept.name}; "
            "rebuilding it from your files",
            markup=False,
        )
    data = ws.load_progress()
    started = prog.started_exercises(ws)
    ids = [
        e
        for e in started
        if all(ws.learner_file(m).is_file() for m in catalog.get_exercise(e).modules)
    ]
    for ex_id in sorted((set(data["exercises"]) | set(started)) - set(ids)):
        console.print(
            f"{ex_id}: skipped (a file of yours is missing; `groundup learn start {ex_id}`)"
        )
    if ids and not data.get("current"):
        ws.set_current(prog.most_recent(ws, ids))
    return ids


def progress(
    track: str = typer.Option(None, "--track", help="Track id (default: the workspace's)."),
    markdown: bool = typer.Option(False, "--markdown", help="Write PROGRESS.md in the workspace."),
) -> None:
    """Your progress over a syllabus, derived from check results."""
    from rich.console import Console

    from groundup.learn import catalog
    from groundup.learn import progress as prog
    from groundup.learn.workspace import Workspace
    from groundup.utils.atomic_io import atomic_write

    ws = Workspace.find()
    t = catalog.get_track(track or ws.track)
    data = prog.load(ws)
    if markdown:
        path = ws.root / "PROGRESS.md"
        atomic_write(path, prog.render_markdown(data, t, base=ws.root))
        typer.echo(f"wrote {path}")
        return
    Console().print(prog.render_table(data, t))


def doctor() -> None:
    """Check Python, NumPy/BLAS, the install, the workspace and optional packages."""
    from groundup.learn.doctor import diagnose

    lines = diagnose()
    for line in lines:
        typer.echo(f"{'ok  ' if line.ok else 'FIX '} {line.name:<11} {line.detail}")
    essential = {"python", "numpy", "install"}
    if any(not line.ok for line in lines if line.name in essential):
        raise typer.Exit(1)


@dev_app.command("check-exercises")
def check_exercises(
    exercises: list[str] = typer.Argument(None, help="Exercise ids (default: all)."),
    jobs: int = typer.Option(2, "--jobs", "-j", help="Exercises checked at once."),
) -> None:
    """Every exercise: markers balanced, stub imports and fails its tests, reference passes."""
    import time

    from groundup.learn.author import check_exercises as run

    t0 = time.perf_counter()
    reports = run(exercises or None, jobs=jobs)
    bad = 0
    for r in reports:
        if r.ok:
            typer.echo(f"ok   {r.exercise} ({r.seconds:.1f} s)")
        else:
            bad += 1
            typer.echo(f"FAIL {r.exercise}")
            for p in r.problems:
                typer.echo(f"     {p}")
    typer.echo(
        f"{len(reports) - bad}/{len(reports)} exercises ok in {time.perf_counter() - t0:.0f} s"
    )
    if bad:
        raise typer.Exit(1)


def run_mine(argv: list[str]) -> int:
    """Run ``groundup ARGV...`` in a subprocess with the active workspace overlaid; its exit status."""
    import subprocess

    from groundup.learn.checker import bootstrap_command, overlay_env, run_overlay
    from groundup.learn.workspace import Workspace

    ws = Workspace.find()
    modules, names = run_overlay(ws)
    print(
        f"using your code of: {', '.join(names)}"
        if names
        else "using the reference only (no exercise passed yet)",
        file=sys.stderr,
    )
    cmd = bootstrap_command(ws.root, 0, "module", "groundup", *argv)
    return subprocess.call(cmd, cwd=Path.cwd(), env=overlay_env(ws.root, modules))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_mine(sys.argv[1:]))
