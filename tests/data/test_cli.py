"""`groundup data list|info|get|add`, driven through typer's CliRunner and the real entry point."""

from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
from typer.testing import CliRunner

from groundup.cli import app
from groundup.data.idx import write_idx

runner = CliRunner()


def test_list_shows_every_dataset_with_status():
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line
        for line in result.output.splitlines()
        if line.count("│") == 4
    }
    assert rows["mnist-5k"].rstrip("│ ").endswith("bundled")
    assert rows["mnist"].rstrip("│ ").endswith("missing")
    assert "shakespeare" in rows and "wikitext-2" in rows and len(rows) == 12


def test_info_prints_every_field_and_checksums():
    result = runner.invoke(app, ["data", "info", "cifar-10"])
    assert result.exit_code == 0, result.output
    for key in (
        "name",
        "description",
        "size",
        "license",
        "source",
        "kind",
        "returns",
        "status",
        "cache",
    ):
        assert any(line.startswith(key + " ") for line in result.output.splitlines()), key
    assert (
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce, 170,498,071 bytes"
        in result.output
    )


def test_add_then_list_says_cached(tmp_path, monkeypatch):
    from groundup.data import mnist

    monkeypatch.setattr(mnist, "EXPECTED_COUNTS", {"train": 3, "test": 2})
    folder = tmp_path / "mnist"
    folder.mkdir()
    for stem, shape in (
        ("train-images-idx3-ubyte", (3, 28, 28)),
        ("t10k-images-idx3-ubyte", (2, 28, 28)),
    ):
        write_idx(folder / f"{stem}.gz", np.zeros(shape, np.uint8))
        write_idx(
            folder / f"{stem.replace('images-idx3', 'labels-idx1')}.gz", np.ones(shape[0], np.uint8)
        )
    result = runner.invoke(app, ["data", "add", "mnist", "--from", str(folder)])
    assert result.exit_code == 0, result.output
    assert "mnist: added from" in result.output
    assert result.output.count("warning: add mnist: ") == 4  # the fakes are not the published files
    assert ": train 3 × (28, 28), test 2 × (28, 28); not the published files" in result.output
    listing = runner.invoke(app, ["data", "list"]).output
    assert (
        next(line for line in listing.splitlines() if "│ mnist " in line)
        .rstrip("│ ")
        .endswith("cached")
    )


def test_get_bundled_needs_no_download():
    result = runner.invoke(app, ["data", "get", "iris"])
    assert result.exit_code == 0 and "bundled" in result.output


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_errors_are_one_line_from_the_console_script(capsys):
    import pytest

    from groundup.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["data", "add", "mnist", "--from", "nowhere"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "groundup: error: add mnist: nowhere does not exist\n"
    proc = subprocess.run(
        [sys.executable, "-m", "groundup", "data", "info", "mnits"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "groundup: error: unknown dataset 'mnits'; known: mnist-5k, iris, wine, breast_cancer, digits, "
        "diabetes, shakespeare, mnist, fashion-mnist, cifar-10, tiny-shakespeare, wikitext-2 (`groundup data list`)"
    ]


def test_get_offline_is_one_line(monkeypatch):
    import dataclasses

    from groundup.data import registry

    entry = registry.REGISTRY["tiny-shakespeare"]
    url = f"http://127.0.0.1:{_closed_port()}/input.txt"
    res = tuple(dataclasses.replace(r, urls=(url,)) for r in entry.remote.resources)
    monkeypatch.setitem(
        registry.REGISTRY,
        "tiny-shakespeare",
        dataclasses.replace(entry, remote=dataclasses.replace(entry.remote, resources=res)),
    )
    result = runner.invoke(app, ["data", "get", "tiny-shakespeare"])
    assert result.exit_code == 1
    assert isinstance(result.exception, registry.OfflineError)
    assert "\n" not in str(result.exception) and "karpathy/char-rnn" in str(result.exception)
