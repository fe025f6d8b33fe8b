"""Atomic writes: the old file survives any failure, and no temporary file is left behind."""

from __future__ import annotations

import pytest

from groundup.utils.atomic_io import atomic_copy, atomic_directory, atomic_file, atomic_write


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


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_new_file_gets_the_users_normal_mode(tmp_path, umask, expected):
    """mkstemp makes 0600 files; what we write must look like any file the user makes."""
    import os
    import stat

    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "progress.json", "{}")
        (tmp_path / "plain.txt").write_text("{}")  # what open() gives, for comparison
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "progress.json").stat().st_mode)
    assert mode == expected == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode), oct(mode)


def test_replacing_a_file_keeps_its_mode(tmp_path):
    import os
    import stat

    path = tmp_path / "run.sh"
    path.write_text("old")
    os.chmod(path, 0o750)
    old = os.umask(0o077)
    try:
        atomic_write(path, "new")
    finally:
        os.umask(old)
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o750


def test_atomic_copy_replaces_the_target_whole(tmp_path):
    atomic_write(tmp_path / "src.bin", bytes(range(256)) * 4096)
    atomic_write(tmp_path / "dst.bin", b"old")
    atomic_copy(tmp_path / "src.bin", tmp_path / "dst.bin")
    assert (tmp_path / "dst.bin").read_bytes() == bytes(range(256)) * 4096
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dst.bin", "src.bin"]


def test_atomic_directory_replaces_a_folder_or_leaves_it_as_it_was(tmp_path):
    target = tmp_path / "batches"
    with atomic_directory(target) as tmp:
        (tmp / "a").write_bytes(b"first")
    with pytest.raises(RuntimeError, match="boom"), atomic_directory(target) as tmp:
        (tmp / "b").write_bytes(b"half")
        raise RuntimeError("boom")
    assert [p.name for p in target.iterdir()] == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["batches"]  # no temporary folder left
    with atomic_directory(target) as tmp:
        (tmp / "c").write_bytes(b"second")
    assert [p.name for p in target.iterdir()] == ["c"]
    assert [p.name for p in tmp_path.iterdir()] == ["batches"]
    assert target.stat().st_mode & 0o777 == 0o777 & ~_umask()  # not mkdtemp's 0700


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
