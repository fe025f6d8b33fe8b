"""`groundup bench`: run the benchmarks against PyTorch CPU and scikit-learn."""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: groundup against the reference, median ratio.")
