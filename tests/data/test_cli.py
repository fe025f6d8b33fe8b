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


def test_add_a_wrong_text_warns_and_list_and_info_say_what_is_cached(tmp_path):
    """#14: tiny-shakespeare from a 6-byte file is not "1,115,394 characters ... cached"."""
    (tmp_path / "hello.txt").write_text("hello\n")
    hello = tmp_path / "hello.txt"
    result = runner.invoke(app, ["data", "add", "tiny-shakespeare", "--from", str(hello)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: add tiny-shakespeare: " in result.output and "published 86c4e6aa" in result.output
    )
    assert "6 characters (train 5 / val 1); not the published files" in result.output
    listing = runner.invoke(app, ["data", "list"]).output
    row = next(line for line in listing.splitlines() if "│ tiny-shakespeare " in line)
    assert "6 characters" in row and "1,115,394" not in row and row.rstrip("│ ").endswith("cached")
    info = runner.invoke(app, ["data", "info", "tiny-shakespeare"]).output
    added = next(line for line in info.splitlines() if line.startswith("added from"))
    assert added.split(None, 2)[-1] == str(tmp_path / "hello.txt")
    assert "warning 1" in info and "not the published input.txt" in info


def test_list_says_corrupt_for_a_truncated_cache_file(tmp_path, _cache):
    (tmp_path / "input.txt").write_text("hello\n")
    runner.invoke(app, ["data", "add", "tiny-shakespeare", "--from", str(tmp_path / "input.txt")])
    (_cache / "tiny-shakespeare" / "input.txt").write_bytes(b"\xff\xfe broken")
    listing = runner.invoke(app, ["data", "list"]).output
    row = next(line for line in listing.splitlines() if "│ tiny-shakespeare " in line)
    assert row.rstrip("│ ").endswith("corrupt")
    assert "tiny-shakespeare: the cached files are truncated or wrong" in listing
    info = runner.invoke(app, ["data", "info", "tiny-shakespeare"]).output
    assert "not UTF-8 text" in info and "The cached copy of tiny-shakespeare is damaged" in info


def test_feature_net_trains_once_then_reports_the_cached_file(monkeypatch, _cache):
    from groundup.generative.evaluation import feature_net

    monkeypatch.setattr(feature_net, "EPOCHS", 1)
    monkeypatch.setattr(feature_net, "_LOADED", {})
    first = runner.invoke(app, ["data", "feature-net"])
    assert first.exit_code == 0, first.output
    assert "epoch 1/1" in first.output and "trained in" in first.output
    path = _cache / "models" / feature_net.FILENAME
    assert path.is_file() and str(path) in first.output.replace("\n", "")
    again = runner.invoke(app, ["data", "feature-net"])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("cached: ") and "epoch" not in again.output
