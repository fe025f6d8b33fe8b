"""The registry, and `add`: files the user already has are validated, then copied atomically."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from groundup import data
from groundup.data import cifar10, text_corpora
from groundup.data.cifar import write_cifar_batch
from groundup.data.download import Resource
from groundup.data.idx import write_idx

DOWNLOADS = ["mnist", "fashion-mnist", "cifar-10", "tiny-shakespeare", "wikitext-2"]


def test_every_entry_is_complete():
    assert set(DOWNLOADS) | {
        "mnist-5k",
        "iris",
        "wine",
        "breast_cancer",
        "digits",
        "diabetes",
        "shakespeare",
    } == set(data.names())
    for name in data.names():
        entry = data.info(name)
        for field in ("description", "size", "license", "source", "returns"):
            assert getattr(entry, field).strip(), (name, field)
        assert entry.kind == ("download" if name in DOWNLOADS else "bundled")
        if entry.kind == "download":
            for r in entry.remote.resources:
                assert len(r.sha256) == 64 and int(r.sha256, 16) >= 0 and r.size > 0
                assert all(u.startswith(("https://", "http://")) for u in r.urls)


def test_status_in_an_empty_cache():
    assert [data.status(n) for n in DOWNLOADS] == ["missing"] * 5
    assert data.status("mnist-5k") == data.status("iris") == "bundled"


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        data.UnknownDatasetError, match=r"unknown dataset 'mnits'; known: mnist-5k, iris"
    ):
        data.load("mnits")


def test_bundled_sets_take_no_path_and_cannot_be_added(tmp_path):
    with pytest.raises(data.DataError, match="'iris' is bundled; it takes no path"):
        data.load("iris", path=tmp_path)
    with pytest.raises(data.DataError, match="'mnist-5k' is bundled with an installed package"):
        data.add("mnist-5k", tmp_path)


def _mnist_folder(folder: Path, gz: bool = True, dotted: bool = False) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 12).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 4).astype(np.uint8),
    }
    for stem, a in arrays.items():
        name = stem.replace("-idx", ".idx") if dotted else stem
        write_idx(folder / (name + (".gz" if gz else "")), a)
    return arrays


@pytest.mark.parametrize(("gz", "dotted"), [(True, False), (False, False), (False, True)])
def test_add_mnist_from_an_idx_folder(tmp_path, _cache, gz, dotted):
    arrays = _mnist_folder(tmp_path / "mine", gz=gz, dotted=dotted)
    folder = data.add("mnist", tmp_path / "mine")
    assert folder == _cache / "mnist" and data.status("mnist") == "cached"
    d = data.load("mnist")
    np.testing.assert_array_equal(d["train"][0], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(d["test"][1], arrays["t10k-labels-idx1-ubyte"])
    assert d["test"][1].dtype == np.int64
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_load_with_a_path_reads_without_copying(tmp_path, _cache):
    arrays = _mnist_folder(tmp_path / "mine")
    d = data.load("fashion-mnist", path=tmp_path / "mine")
    np.testing.assert_array_equal(d["train"][1], arrays["train-labels-idx1-ubyte"])
    assert data.status("fashion-mnist") == "missing"


def test_add_rejects_a_broken_folder_and_leaves_the_cache_empty(tmp_path, _cache):
    _mnist_folder(tmp_path / "mine")
    bad = tmp_path / "mine" / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-3])
    with pytest.raises(data.CorruptFileError, match=r"t10k-labels-idx1-ubyte.gz: truncated"):
        data.add("mnist", tmp_path / "mine")
    assert list((_cache / "mnist").iterdir()) == []
    assert data.status("mnist") == "missing"


def test_add_checks_labels_match_images(tmp_path):
    _mnist_folder(tmp_path / "mine")
    write_idx(tmp_path / "mine" / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(
        data.CorruptFileError,
        match=r"expected 12 uint8 labels for train-images-idx3-ubyte.gz, got uint8 \(11,\)",
    ):
        data.add("mnist", tmp_path / "mine")


def test_add_missing_file_and_missing_path(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(data.DataError, match=r"no train-images-idx3-ubyte\[.gz\]"):
        data.add("mnist", tmp_path / "empty")
    with pytest.raises(data.DataError, match=r"add mnist: .*nothing does not exist"):
        data.add("mnist", tmp_path / "nothing")


def _cifar_folder(folder: Path) -> np.ndarray:
    folder.mkdir(parents=True)
    X = np.random.default_rng(2).integers(0, 256, (12, 3, 32, 32), dtype=np.uint8)
    for k, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        write_cifar_batch(folder / name, X[2 * k : 2 * k + 2], [k, 9 - k])
    return X


def test_add_cifar_from_a_batches_folder(tmp_path, _cache):
    X = _cifar_folder(tmp_path / "cifar-10-batches-py")
    data.add("cifar-10", tmp_path / "cifar-10-batches-py")
    assert data.status("cifar-10") == "cached"
    d = data.load("cifar-10")
    assert d["train"][0].shape == (10, 3, 32, 32) and d["test"][0].dtype == np.uint8
    np.testing.assert_array_equal(d["train"][0], X[:10])
    assert d["train"][1].tolist() == [0, 9, 1, 8, 2, 7, 3, 6, 4, 5]


def test_add_cifar_with_a_corrupt_batch_leaves_nothing(tmp_path, _cache):
    _cifar_folder(tmp_path / "c")
    (tmp_path / "c" / "test_batch").write_bytes(b"\x80\x02}q")
    with pytest.raises(data.CorruptFileError, match="test_batch"):
        data.add("cifar-10", tmp_path / "c")
    assert list((_cache / "cifar-10").iterdir()) == []


def _tar_gz(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    return buf.getvalue()


def test_add_cifar_from_the_archive_checks_its_checksum(tmp_path, _cache, monkeypatch):
    X = _cifar_folder(tmp_path / "c")
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(_tar_gz(tmp_path / "c"))
    with pytest.raises(
        data.ChecksumError, match=r"cifar-10-python.tar.gz: checksum mismatch.*expected 170498071"
    ):
        data.add("cifar-10", archive)
    pinned = Resource(archive.name, ("http://x",), hashlib.sha256(archive.read_bytes()).hexdigest())
    monkeypatch.setattr(cifar10, "_CIFAR_ARCHIVE", pinned)
    data.add("cifar-10", archive)
    np.testing.assert_array_equal(data.load("cifar-10")["test"][0], X[10:])


def test_add_tiny_shakespeare_from_a_text_file(tmp_path, _cache):
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 10
    (tmp_path / "input.txt").write_text(text)
    data.add("tiny-shakespeare", tmp_path / "input.txt")
    d = data.load("tiny-shakespeare")
    assert d["train"] + d["val"] == text and len(d["train"]) == int(len(text) * 0.9)
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00broken")
    with pytest.raises(data.CorruptFileError, match=r"bad\.txt: not UTF-8 text"):
        data.add("tiny-shakespeare", tmp_path / "bad.txt")


def _wiki_folder(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True)
    texts = {"train": " = Valkyria = \n text\n", "val": " = Homarus = \n", "test": " = Robert = \n"}
    for split, name in (
        ("train", "wiki.train.raw"),
        ("val", "wiki.valid.raw"),
        ("test", "wiki.test.raw"),
    ):
        (folder / name).write_text(texts[split])
    return texts


def test_add_wikitext_from_a_folder_or_the_zip(tmp_path, _cache, monkeypatch):
    texts = _wiki_folder(tmp_path / "wikitext-2-raw")
    data.add("wikitext-2", tmp_path / "wikitext-2-raw")
    assert data.load("wikitext-2") == texts
    zpath = tmp_path / "wikitext-2-raw-v1.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for f in (tmp_path / "wikitext-2-raw").iterdir():
            z.writestr(f"wikitext-2-raw/{f.name}", f.read_text().upper())
    monkeypatch.setattr(
        text_corpora,
        "_WIKI_ZIP",
        Resource(zpath.name, ("http://x",), hashlib.sha256(zpath.read_bytes()).hexdigest()),
    )
    data.add("wikitext-2", zpath)
    assert data.load("wikitext-2") == {k: v.upper() for k, v in texts.items()}


def test_cache_dir_follows_groundup_data_else_platformdirs(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setenv("GROUNDUP_DATA", str(tmp_path / "here"))
    assert data.cache_dir() == tmp_path / "here" and (tmp_path / "here").is_dir()
    monkeypatch.delenv("GROUNDUP_DATA")
    monkeypatch.setattr(
        platformdirs, "user_cache_dir", lambda app: str(tmp_path / "platform" / app)
    )
    assert data.cache_dir() == tmp_path / "platform" / "groundup"


def test_atomic_path_leaves_nothing_when_the_write_fails(tmp_path):
    from groundup.data.cache import atomic_path, atomic_write_bytes

    target = tmp_path / "file.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["file.bin"]
