"""The `groundup` command line.

Each subcommand group lives in its own module (`run`, `data`, `learn`, `bench`) and is
added here. Errors reach the user as one line on stderr with a non-zero exit; set
``GROUNDUP_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from groundup import __version__
from groundup.cli import bench, data, learn, run
from groundup.errors import GroundupError

app = typer.Typer(
    name="groundup",
    help="Machine learning from the ground up: library, milestones, course and workbench.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command(name="run", help="Train a milestone model and check its target.")(run.run)
app.add_typer(data.app, name="data")
app.add_typer(learn.app, name="learn")
app.add_typer(bench.app, name="bench")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"groundup {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Machine learning from the ground up."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: run the app, turn errors into one line."""
    try:
        app(args=argv, prog_name="groundup")
    except KeyboardInterrupt:
        print("groundup: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # every error becomes one line
        if os.environ.get("GROUNDUP_DEBUG"):
            raise
        kind = "" if isinstance(exc, GroundupError) else f"{type(exc).__name__}: "
        print(f"groundup: error: {kind}{exc}", file=sys.stderr)
        sys.exit(1)
