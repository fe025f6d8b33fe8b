"""`groundup learn ...`: the learner's workbench."""

from __future__ import annotations

import typer

app = typer.Typer(help="The workbench: exercises, checks and progress.", no_args_is_help=True)
