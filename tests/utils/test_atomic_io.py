"""Atomic writes: the old file survives any failure, and no temporary file is left behind."""

from __future__ import annotations

import pytest

from groundup.utils.atomic_io import atomic_file, atomic_write


def test_atomic_write_creates_folders_and_writes_text_as_utf8(tmp_path):
    path = tmp_path / "a" / "b" / "notes.txt"
    atomic_write(path, "naïve ✓")
    assert path.read_bytes() == "naïve ✓".encode()
    atomic_write(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01" and [p.name for p in path.parent.iterdir()] == [
        "notes.txt"
    ]


def test_a_failure_inside_the_block_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.npz"
    atomic_write(path, b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_file(path, "w") as f:
        f.write("half of the new")
        raise RuntimeError("boom")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["model.npz"]
