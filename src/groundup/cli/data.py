"""`groundup data ...`: list, fetch, inspect and add datasets (the API is :mod:`groundup.data`)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer

app = typer.Typer(help="List, download and inspect datasets.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Table of every dataset: name, size, status (bundled / cached / missing)."""
    from rich.console import Console
    from rich.table import Table

    from groundup import data

    table = Table(title=f"datasets (cache: {data.cache_dir()})")
    table.add_column("name", style="bold")
    table.add_column("size")
    table.add_column("status")
    colours = {"bundled": "green", "cached": "cyan", "missing": "yellow", "corrupt": "red"}
    corrupt = []
    for name in data.names():
        status = data.status(name)
        # a cached set is described by what its files hold, not by the registry's promise
        size = data.summary(name) if status == "cached" else data.info(name).size
        table.add_row(name, size, f"[{colours[status]}]{status}[/]")
        if status == "corrupt":
            corrupt.append(name)
    console = Console(width=120)
    console.print(table)
    for name in corrupt:
        console.print(
            f"{name}: the cached files are truncated or wrong (`groundup data info {name}`); "
            f"delete {data.cache_dir() / name} and run `groundup data get {name}`",
            highlight=False,
        )


@app.command("info")
def info(name: str = typer.Argument(..., help="Dataset name (see `groundup data list`).")) -> None:
    """Every field of a dataset's registry entry, and its status."""
    from groundup import data

    entry = data.info(name)
    fields = {
        "name": entry.name,
        "description": entry.description,
        "size": entry.size,
        "license": entry.license,
        "source": entry.source,
        "kind": entry.kind,
        "returns": entry.returns,
        "status": data.status(name),
    }
    if fields["status"] == "cached":
        fields["cached"] = data.summary(name)
    elif fields["status"] == "corrupt":
        try:
            data.load(name)
        except data.DataError as exc:
            fields["problem"] = str(exc)
    if entry.remote is not None:
        fields["cache"] = str(data.cache_dir() / name)
        added = data.cache_dir() / name / "added.json"
        if added.is_file():
            record = json.loads(added.read_text(encoding="utf-8"))
            fields["added from"] = record["from"]
            for i, message in enumerate(record["warnings"], 1):
                fields[f"warning {i}"] = message
        for r in entry.remote.resources:
            fields[r.filename] = f"sha256 {r.sha256}" + (f", {r.size:,} bytes" if r.size else "")
    width = max(len(k) for k in fields)
    for key, value in fields.items():
        typer.echo(f"{key:<{width}}  {value}")


@app.command("get")
def get(name: str = typer.Argument(..., help="Dataset name (see `groundup data list`).")) -> None:
    """Download a dataset into the cache (bundled sets need nothing)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from groundup import data

    if data.info(name).kind == "bundled":
        data.get(name)
        typer.echo(f"{name} is bundled with an installed package: nothing to download")
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn()
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(filename: str, done: int, total: int | None) -> None:
            if filename not in tasks:
                tasks[filename] = bar.add_task(filename, total=total)
            bar.update(tasks[filename], completed=done, total=total)

        folder = data.get(name, progress=progress)
    typer.echo(f"{name}: cached in {folder}")


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Dataset name (see `groundup data list`)."),
    source: Path = typer.Option(
        ...,
        "--from",
        help="Your copy: an IDX folder, a cifar-10-batches-py folder, a text file ...",
    ),
) -> None:
    """Install files you already have into the cache (validated, then copied atomically)."""
    from groundup import data

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", data.DataWarning)
        folder = data.add(name, source)
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)
    typer.echo(f"{name}: added from {source} to {folder}: {data.summary(name)}")


@app.command("feature-net")
def feature_net(
    retrain: bool = typer.Option(
        False, "--retrain", help="Train again and replace the cached file."
    ),
) -> None:
    """Train (once) and cache the LeNet whose features FD and precision/recall use."""
    from groundup.generative.evaluation import feature_network, feature_network_path

    path = feature_network_path()
    if path.exists() and not retrain:
        _, meta = feature_network()
        typer.echo(f"cached: {path} (test accuracy {meta['test_accuracy']:.4f})")
        return
    _, meta = feature_network(retrain=True, log=typer.echo)
    typer.echo(
        f"trained in {meta['seconds']} s, test accuracy {meta['test_accuracy']:.4f}; cached in {path}"
    )
