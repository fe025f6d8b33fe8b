"""The one entry point behind ``python -m benchmarks`` and ``groundup bench``."""

from __future__ import annotations

import argparse
import contextlib
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchmarks import environment, runner

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@contextlib.contextmanager
def limit_threads(threads: int | None) -> Iterator[None]:
    """Run NumPy's BLAS and PyTorch with ``threads`` threads each (no change if None)."""
    if threads is None:
        yield
        return
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(threads):
            yield
    finally:
        torch.set_num_threads(before)


def main(
    group_names: Sequence[str] = (),
    rounds: int = 15,
    write: bool = False,
    threads: int | None = None,
    doc_path: Path = DOC_PATH,
    min_time: float = 0.02,
    clock: str = "wall",
) -> list[runner.Result]:
    """Run the groups (all when empty), print a Rich table, optionally write the doc.

    ``--write`` replaces each group's section of ``docs/benchmarks.md`` with the table,
    the command that reproduces it, and the machine it ran on. ``threads`` caps both
    NumPy's BLAS and PyTorch (on a shared machine, one thread each is the fairer race).
    ``clock="cpu"`` times each side's CPU time instead of the elapsed time (see
    :data:`benchmarks.runner.CLOCKS`); its sections are named ``GROUP@threads=T,cpu``.
    """
    if clock not in runner.CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(runner.CLOCKS)}, got {clock!r}")
    selected = list(group_names) or runner.groups()
    runner.select(selected)  # unknown group names fail before anything runs
    command = " ".join(["python -m benchmarks", *map(shlex.quote, group_names)])
    command += f" --rounds {rounds}" + (f" --threads {threads}" if threads else "")
    command += " --clock cpu" if clock == "cpu" else ""
    with limit_threads(threads):
        return _run_groups(selected, rounds, write, threads, doc_path, min_time, command, clock)


def _run_groups(
    selected: Sequence[str],
    rounds: int,
    write: bool,
    threads: int | None,
    doc_path: Path,
    min_time: float,
    command: str,
    clock: str = "wall",
) -> list[runner.Result]:
    from rich.console import Console

    console = Console()
    context = environment.describe(command)
    results: list[runner.Result] = []
    for group in selected:
        with console.status(f"benchmark group {group}") as status:
            group_results = runner.run(
                [group],
                rounds=rounds,
                min_time=min_time,
                progress=lambda w: status.update(f"{w.group}: {w.name}"),
                clock=clock,
            )
        console.print(runner.rich_table(group_results, title=f"{group}: groundup / reference"))
        if write:
            # one section per group and thread setting: `engine`, `engine@threads=1`
            section = group + (f"@threads={threads}" if threads else "")
            if clock == "cpu":  # `engine@threads=1,cpu`
                section += ("," if threads else "@") + "cpu"
            body = "\n\n".join(
                [
                    f"## {section}",
                    context,
                    runner.markdown_table(group_results),
                    f"Load average (1, 5, 15 min) at the end: {environment.load_average()}.",
                ]
            )
            runner.write_section(doc_path, section, body)
            console.print(f"wrote section {section!r} of {doc_path}")
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
    parser.add_argument(
        "--threads", type=int, default=None, help="threads for NumPy's BLAS and PyTorch each"
    )
    parser.add_argument(
        "--clock",
        choices=list(runner.CLOCKS),
        default="wall",
        help="time elapsed (wall) or this process's CPU time (cpu; steadier on a shared machine)",
    )
    return parser.parse_args(argv)


def run_from_argv(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    main(args.groups, rounds=args.rounds, write=args.write, threads=args.threads, clock=args.clock)
