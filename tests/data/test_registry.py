"""The registry, and `add`: files the user already has are validated, then copied atomically."""

from __future__ import annotations

import hashlib
import io
import tarfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from groundup import data
from groundup.data import cifar10, mnist, text_corpora
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


def _mnist_folder(
    folder: Path, gz: bool = True, dotted: bool = False, seed: int = 0
) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folder = data.add("mnist", tmp_path / "mine")
    # gzip files have pinned checksums (these fakes differ: one warning each); raw files none
    assert len(caught) == (4 if gz else 0)
    assert sorted(p.name for p in folder.iterdir()) == [
        "added.json",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    assert folder == _cache / "mnist" and data.status("mnist") == "cached"
    d = data.load("mnist")
    np.testing.assert_array_equal(d["train"][0], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(d["test"][1], arrays["t10k-labels-idx1-ubyte"])
    assert d["test"][1].dtype == np.int64


def test_load_with_a_path_reads_without_copying(tmp_path, _cache):
    arrays = _mnist_folder(tmp_path / "mine", gz=False)
    d = data.load("fashion-mnist", path=tmp_path / "mine")
    np.testing.assert_array_equal(d["train"][1], arrays["train-labels-idx1-ubyte"])
    assert data.status("fashion-mnist") == "missing"


def test_add_rejects_a_broken_folder_and_leaves_the_cache_empty(tmp_path, _cache):
    _mnist_folder(tmp_path / "mine")
    bad = tmp_path / "mine" / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-3])
    with pytest.raises(data.CorruptFileError, match=r"t10k-labels-idx1-ubyte.gz: truncated") as err:
        data.add("mnist", tmp_path / "mine")
    # the user's own file: no advice to delete it and download it again
    assert "Your copy is damaged or is not mnist: nothing was added" in str(err.value)
    assert "delete" not in str(err.value) and "download it again" not in str(err.value)
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
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    # a known checksum that differs is a warning naming both hashes; the copy is added
    with pytest.warns(
        data.DataWarning,
        match=rf"cifar-10-python.tar.gz: not the published cifar-10-python.tar.gz: SHA-256 {digest} "
        rf"\({archive.stat().st_size:,} bytes\), published 6d958be0.* \(170,498,071 bytes\); added anyway",
    ):
        data.add("cifar-10", archive)
    np.testing.assert_array_equal(data.load("cifar-10")["test"][0], X[10:])
    assert data.summary("cifar-10").endswith("not the published files (see `groundup data info`)")
    pinned = Resource(archive.name, ("http://x",), digest)
    monkeypatch.setattr(cifar10, "_CIFAR_ARCHIVE", pinned)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data.add("cifar-10", archive)
    assert data.summary("cifar-10") == "train 10 × (3, 32, 32), test 2 × (3, 32, 32)"


def test_add_tiny_shakespeare_from_a_text_file(tmp_path, _cache):
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 10
    (tmp_path / "input.txt").write_text(text)
    with pytest.warns(data.DataWarning, match="not the published input.txt"):
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


def test_adding_a_new_copy_replaces_the_old_one_whatever_its_spelling(tmp_path, _cache):
    """#24: a raw copy added first must not hide the gzip copy added later (one file per member)."""
    first = _mnist_folder(tmp_path / "first", gz=False)
    data.add("mnist", tmp_path / "first")
    second = _mnist_folder(tmp_path / "second", gz=True, seed=1)
    with pytest.warns(data.DataWarning):
        data.add("mnist", tmp_path / "second")
    d = data.load("mnist")
    np.testing.assert_array_equal(d["train"][0], second["train-images-idx3-ubyte"])
    assert not np.array_equal(d["train"][0], first["train-images-idx3-ubyte"])
    # a cache written by an older version: the raw spelling beside the canonical gzip
    stale = _cache / "mnist" / "train-images.idx3-ubyte"
    write_idx(stale, first["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(data.load("mnist")["train"][0], second["train-images-idx3-ubyte"])
    data.add("mnist", tmp_path / "first")
    assert not stale.exists() and not (_cache / "mnist" / "train-images-idx3-ubyte").exists()
    np.testing.assert_array_equal(data.load("mnist")["train"][0], first["train-images-idx3-ubyte"])


def test_add_refuses_a_copy_with_the_wrong_number_of_images(tmp_path, _cache, monkeypatch):
    from tests.data.conftest import CIFAR_COUNTS, MNIST_COUNTS

    monkeypatch.setattr(mnist, "EXPECTED_COUNTS", MNIST_COUNTS)
    monkeypatch.setattr(cifar10, "EXPECTED_COUNTS", CIFAR_COUNTS)
    _mnist_folder(tmp_path / "mine")
    with pytest.raises(
        data.CorruptFileError, match=r"mine: the train split has 12 images; the dataset has 60,000"
    ):
        data.add("mnist", tmp_path / "mine")
    _cifar_folder(tmp_path / "cifar")
    with pytest.raises(data.CorruptFileError, match=r"has 10 images; the dataset has 50,000"):
        data.add("cifar-10", tmp_path / "cifar")
    assert data.status("mnist") == data.status("cifar-10") == "missing"


def test_add_a_six_byte_tiny_shakespeare_warns_and_reports_what_is_cached(tmp_path, _cache):
    (tmp_path / "hello.txt").write_text("hello\n")
    digest = hashlib.sha256(b"hello\n").hexdigest()
    with pytest.warns(
        data.DataWarning,
        match=rf"hello.txt: not the published input.txt: SHA-256 {digest} \(6 bytes\), "
        r"published 86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed "
        r"\(1,115,394 bytes\); added anyway",
    ):
        data.add("tiny-shakespeare", tmp_path / "hello.txt")
    assert data.status("tiny-shakespeare") == "cached"
    assert data.summary("tiny-shakespeare") == (
        "6 characters (train 5 / val 1); not the published files (see `groundup data info`)"
    )


def test_a_truncated_cache_file_is_corrupt_not_cached(tmp_path, _cache):
    _mnist_folder(tmp_path / "mine", gz=False)
    data.add("mnist", tmp_path / "mine")
    assert data.status("mnist") == "cached"
    cached = _cache / "mnist" / "train-images-idx3-ubyte.gz"
    cached.write_bytes(cached.read_bytes()[:-100])
    assert data.status("mnist") == "corrupt"
    with pytest.raises(
        data.CorruptFileError,
        match=r"train-images-idx3-ubyte.gz: truncated or corrupted gzip file .*"
        r"The cached copy of mnist is damaged: delete .*mnist and run `groundup data get mnist`",
    ):
        data.load("mnist")
