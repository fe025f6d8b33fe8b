"""The one entry point behind ``python -m benchmarks`` and ``groundup bench``."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path

from benchmarks import environment, runner

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def main(
    group_names: Sequence[str] = (),
    rounds: int = 15,
    write: bool = False,
    doc_path: Path = DOC_PATH,
    min_time: float = 0.02,
    command: str | None = None,
) -> list[runner.Result]:
    """Run the groups (all when empty), print a Rich table, optionally write the doc.

    ``--write`` replaces each group's section of ``docs/benchmarks.md`` with the table,
    the command that reproduces it, and the machine it ran on.
    """
    from rich.console import Console

    console = Console()
    selected = list(group_names) or runner.groups()
    runner.select(selected)  # unknown group names fail before anything runs
    if command is None:
        args = " ".join(shlex.quote(g) for g in group_names)
        command = f"python -m benchmarks {args} --rounds {rounds}".replace("  ", " ")
    context = environment.describe(command)
    results: list[runner.Result] = []
    for group in selected:
        with console.status(f"benchmark group {group}") as status:
            group_results = runner.run(
                [group],
                rounds=rounds,
                min_time=min_time,
                progress=lambda w: status.update(f"{w.group}: {w.name}"),
            )
        console.print(runner.rich_table(group_results, title=f"{group}: groundup / reference"))
        if write:
            body = f"## {group}\n\n{context}\n\n{runner.markdown_table(group_results)}"
            runner.write_section(doc_path, group, body)
            console.print(f"wrote section {group!r} of {doc_path}")
        results.extend(group_results)
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time groundup against PyTorch CPU / scikit-learn; print median ratios.",
    )
    parser.add_argument("groups", nargs="*", help="benchmark groups (default: all)")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per workload")
    parser.add_argument(
        "--write", action="store_true", help="replace the groups' sections of docs/benchmarks.md"
    )
    return parser.parse_args(argv)


def run_from_argv(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    main(args.groups, rounds=args.rounds, write=args.write)
