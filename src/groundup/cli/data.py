"""`groundup data ...`: list, fetch and inspect datasets."""

from __future__ import annotations

import typer

app = typer.Typer(help="List, download and inspect datasets.", no_args_is_help=True)
