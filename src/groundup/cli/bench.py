"""`groundup bench`: run the benchmarks against PyTorch CPU and scikit-learn.

The benchmarks live in the repository's ``benchmarks/`` package (next to ``src/``), not
inside the installed library: this command finds it from a clone (editable install or
the current directory) and runs the same entry point as ``python -m benchmarks``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from groundup.errors import GroundupError


def _import_benchmarks() -> object:
    """The ``benchmarks`` package: importable already, or found at the repository root."""
    try:
        import benchmarks.cli
    except ImportError:
        candidates = [Path.cwd(), Path(__file__).resolve().parents[3]]
        for root in candidates:
            if (root / "benchmarks" / "registry.py").exists():
                sys.path.insert(0, str(root))
                break
        else:
            raise GroundupError(
                "the benchmarks/ package was not found: run `groundup bench` from a clone of "
                "the groundup repository (it is not part of the installed library)"
            ) from None
        import benchmarks.cli
    return benchmarks.cli


def bench(
    groups: list[str] = typer.Argument(None, help="Benchmark groups to run (default: all)."),
    rounds: int = typer.Option(15, "--rounds", help="Timed rounds per workload."),
    write: bool = typer.Option(
        False, "--write", help="Replace the groups' sections of docs/benchmarks.md."
    ),
    threads: int = typer.Option(
        None, "--threads", help="Threads for NumPy's BLAS and PyTorch each (default: theirs)."
    ),
    clock: str = typer.Option(
        "wall", "--clock", help="wall (elapsed) or cpu (this process's CPU time)."
    ),
) -> None:
    """Time groundup against PyTorch CPU / scikit-learn; print the median ratios."""
    cli = _import_benchmarks()
    try:
        cli.main(groups or [], rounds=rounds, write=write, threads=threads, clock=clock)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise GroundupError(str(exc)) from None
