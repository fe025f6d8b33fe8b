"""`groundup learn ...`: the learner's workbench."""

from __future__ import annotations

import typer

from groundup.cli import workbench

app = typer.Typer(help="The workbench: exercises, checks and progress.", no_args_is_help=True)
app.command(name="check", help="Run the exercise's tests on your code (= groundup check).")(
    workbench.check
)
app.command(name="progress", help="Progress over a syllabus (= groundup progress).")(
    workbench.progress
)
app.command(name="doctor", help="Is this machine ready? (= groundup doctor).")(workbench.doctor)


def _ws():
    from groundup.learn.workspace import Workspace

    return Workspace.find()


@app.command()
def init(
    directory: str = typer.Argument(".", help="Where to make the workspace."),
    track: str = typer.Option("implementation", "--track", help="Default track."),
) -> None:
    """Make a learner workspace in DIRECTORY."""
    from groundup.learn.workspace import Workspace

    ws = Workspace.init(directory, track=track)
    typer.echo(f"workspace ready at {ws.root}\nnext: cd {ws.root} && groundup learn list")


@app.command(name="list")
def list_(
    track: str = typer.Option(None, "--track", help="Track id (default: the workspace's)."),
) -> None:
    """Every exercise, prerequisites first (then in track order), with its status."""
    from groundup.learn import catalog, progress
    from groundup.learn.overlay import find_workspace

    root = find_workspace()
    data: dict = {}
    if root is not None:
        from groundup.learn.workspace import Workspace

        ws = Workspace(root)
        data = progress.load(ws)
        track = track or ws.track
    for ex_id in catalog.exercise_order(track or "implementation"):
        ex = catalog.get_exercise(ex_id)
        mark = {"passed": "✅", "started": "🟨"}.get(progress.exercise_state(data, ex_id), "⬜")
        deps = f"  (after {', '.join(ex.depends_on)})" if ex.depends_on else ""
        typer.echo(f"{mark} {ex_id:<20} {ex.title}{deps}")


@app.command()
def done(
    item: str = typer.Argument(..., help="A reading item's id (shown by `groundup progress`)."),
    undo: bool = typer.Option(False, "--undo", help="Take the mark back."),
    track: str = typer.Option(None, "--track", help="Track id (default: the workspace's)."),
) -> None:
    """Mark a reading item (a lesson with no exercise) as done; exercises are done when they pass."""
    from groundup.learn import catalog, progress

    ws = _ws()
    typer.echo(progress.mark_done(ws, catalog.get_track(track or ws.track), item, undo=undo))


@app.command()
def start(
    exercise: str = typer.Argument(..., help="Exercise id (see `groundup learn list`)."),
) -> None:
    """Write the exercise's stub into the workspace (never over your changes)."""
    from groundup.learn import catalog

    ws = _ws()
    files = ws.start(exercise)
    ex = catalog.get_exercise(exercise)
    typer.echo(f"{ex.id}: {ex.title}\n{ex.task}")
    for f in files:
        typer.echo(f"  edit {f}")
    typer.echo("then: groundup check   (or: groundup learn watch)")


@app.command()
def reset(exercise: str = typer.Argument(..., help="Exercise id.")) -> None:
    """Write a fresh stub; your version is kept in the workspace's history/ (see `restore`)."""
    ws = _ws()
    copies = len(ws.history(exercise))
    files = ws.start(exercise, reset=True)
    for f in files:
        typer.echo(f"reset {f}")
    kept = ws.history(exercise)
    if len(kept) > copies:
        typer.echo(
            f"yours is kept in {kept[0].path}; `groundup learn restore {exercise}` brings it back"
        )
    else:
        typer.echo("(nothing of yours to keep: the file was the stub, or is already in history/)")


@app.command()
def restore(
    exercise: str = typer.Argument(..., help="Exercise id."),
    copy: int = typer.Option(1, "--copy", "-n", help="Which saved copy (1 = newest; see --list)."),
    list_only: bool = typer.Option(False, "--list", help="List the saved copies; change nothing."),
) -> None:
    """Put a saved copy of your files back (the files it replaces are saved first)."""
    ws = _ws()
    copies = ws.history(exercise)
    if list_only or not copies:
        if not copies:
            typer.echo(
                f"{exercise}: no saved copies yet (one is kept on every reset, restore, unstart)"
            )
        for n, c in enumerate(copies, start=1):
            typer.echo(f"{n:>3}  {c.describe()}")
        return
    chosen, before = ws.restore(exercise, copy)
    typer.echo(f"restored copy {copy} ({chosen.describe()})")
    if before is not None:
        typer.echo(f"the files it replaced are kept as copy 1 ({before.path})")
    typer.echo("then: groundup check")


@app.command()
def unstart(exercise: str = typer.Argument(..., help="Exercise id.")) -> None:
    """Take an exercise back to not started; your files go to history/ (see `restore`)."""
    saved = _ws().unstart(exercise)
    typer.echo(f"{exercise}: not started; other checks use the reference for it again")
    if saved is not None:
        typer.echo(
            f"your files are kept in {saved.path}; `groundup learn restore {exercise}` brings them back"
        )


@app.command()
def hint(
    exercise: str = typer.Argument(None, help="Exercise id (default: the current one)."),
) -> None:
    """The next hint: first a nudge, then the formula, then the shape bookkeeping."""
    from groundup.learn import catalog

    ws = _ws()
    ex_id = exercise or ws.current()
    ex = catalog.get_exercise(ex_id)
    if not ex.hints:
        typer.echo(f"{ex_id} has no hints; the docstrings in the stub state the formula")
        return
    shown = ws.load_progress()["exercises"].get(ex_id, {}).get("hints", 0)
    n = min(shown, len(ex.hints) - 1)
    ws.record(ex_id, hints=n + 1)
    typer.echo(f"hint {n + 1}/{len(ex.hints)}: {ex.hints[n]}")


@app.command()
def solution(
    exercise: str = typer.Argument(None, help="Exercise id (default: the current one)."),
    reveal: bool = typer.Option(False, "--reveal", help="Show it even before your code passes."),
) -> None:
    """The reference as a diff against your code (after a pass, or with --reveal)."""
    import difflib

    from groundup.errors import GroundupError
    from groundup.learn import catalog

    ws = _ws()
    exercise = exercise or ws.current()
    ex = catalog.get_exercise(exercise)
    if ws.status(exercise) != "passed" and not reveal:
        raise GroundupError(
            f"{exercise} has not passed yet; try `groundup learn hint`, or add --reveal to see the reference"
        )
    for module in ex.modules:
        mine = ws.learner_file(module)
        ref = catalog.reference_file(module)
        a = mine.read_text().splitlines(keepends=True) if mine.exists() else []
        b = ref.read_text().splitlines(keepends=True)
        diff = "".join(difflib.unified_diff(a, b, f"yours/{module}", f"reference/{module}"))
        typer.echo(diff or f"{module}: yours is identical to the reference")


@app.command()
def watch(
    time_limit: float = typer.Option(
        120.0, "--time-limit", help="Seconds before a check is stopped."
    ),
    poll: bool = typer.Option(
        False, "--poll", help="Poll for changes (where file events do not arrive)."
    ),
    poll_seconds: float = typer.Option(1.0, "--poll-seconds", help="Polling interval."),
) -> None:
    """Re-check the current exercise on every save; keys n/h/l/r/c/q."""
    from groundup.learn.watch import watch as run

    run(_ws(), time_limit=time_limit, poll_seconds=poll_seconds, use_events=not poll)


@app.command(name="export")
def export(file: str = typer.Argument(..., help="Where to write the progress (JSON).")) -> None:
    """Copy your progress to FILE (to move it to another machine)."""
    import json
    from pathlib import Path

    from groundup.learn.progress import done_items
    from groundup.utils.atomic_io import atomic_write

    ws = _ws()
    data = ws.load_progress()
    data["done"] = done_items(ws)  # the reading items marked done travel with it
    atomic_write(Path(file).resolve(), json.dumps(data, indent=2, sort_keys=True) + "\n")
    typer.echo(f"exported {len(data['exercises'])} exercises to {file}")


@app.command(name="import")
def import_(
    file: str = typer.Argument(..., help="A file written by `groundup learn export`."),
) -> None:
    """Merge progress from FILE: an exercise keeps the newer of its two records."""
    import json
    from pathlib import Path

    from groundup.errors import GroundupError
    from groundup.learn.progress import done_items, save_done_items

    try:
        incoming = json.loads(Path(file).read_text(encoding="utf-8"))
        entries = incoming["exercises"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise GroundupError(f"{file}: not a groundup progress export ({e})") from e
    ws = _ws()
    data = ws.load_progress()
    for ex_id, entry in entries.items():
        mine = data["exercises"].get(ex_id)
        newer = (entry.get("last_check") or "") > ((mine or {}).get("last_check") or "")
        if mine is None or newer:
            data["exercises"][ex_id] = entry
    data["current"] = data.get("current") or incoming.get("current")
    ws.save_progress(data)
    marked = done_items(ws)
    if isinstance(incoming.get("done"), dict) and incoming["done"].keys() - marked.keys():
        save_done_items(ws, {**incoming["done"], **marked})
    typer.echo(f"imported {len(entries)} exercises from {file}")


@app.command(
    name="run",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def run(ctx: typer.Context, name: str = typer.Argument(..., help="Milestone name.")) -> None:
    """Train a milestone on your code: `groundup run NAME ...` with the workspace overlaid."""
    code = workbench.run_mine(["run", name, *ctx.args])
    if code:
        raise typer.Exit(code)
