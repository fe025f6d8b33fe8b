"""`groundup run NAME`: train a milestone of the syllabus (the runner fills the registry)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Train a milestone model and check its target.", no_args_is_help=True)


@app.callback(invoke_without_command=True)
def run(
    name: str = typer.Argument(None, help="Milestone name (see --list)."),
    list_: bool = typer.Option(False, "--list", help="List every milestone with its target."),
) -> None:
    """Train the milestone NAME."""
    from groundup.errors import GroundupError

    if list_:
        typer.echo("No milestones are registered yet.")
        return
    raise GroundupError(f"unknown milestone {name!r}; `groundup run --list` shows the milestones")
