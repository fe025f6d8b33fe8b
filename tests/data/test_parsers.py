"""IDX and CIFAR-10 parsers: round trips on files the tests write, and clear errors on broken ones."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundup.data.cifar import read_cifar10_folder, read_cifar_batch, write_cifar_batch
from groundup.data.errors import CorruptFileError
from groundup.data.idx import parse_idx, read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@given(
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    dtype=st.sampled_from(DTYPES),
    compress=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_idx_round_trip(tmp_path_factory, shape, dtype, compress, seed):
    rng = np.random.default_rng(seed)
    a = (rng.normal(size=shape) * 100).astype(dtype)
    path = tmp_path_factory.mktemp("idx") / ("a.idx" + (".gz" if compress else ""))
    write_idx(path, a)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)


def test_idx_header_is_big_endian_mnist_layout(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, np.zeros((2, 28, 28), np.uint8))
    raw = path.read_bytes()
    assert raw[:4] == bytes.fromhex("00000803")  # MNIST's image magic 2051
    assert raw[4:16] == bytes.fromhex("000000020000001c0000001c")
    assert len(raw) == 16 + 2 * 28 * 28


def test_idx_int32_values_read_big_endian():
    data = bytes.fromhex("00000c010000000200000001ffffffff")
    np.testing.assert_array_equal(parse_idx(data), np.array([1, -1], dtype=np.int32))


@pytest.mark.parametrize("compress", [False, True])
def test_idx_truncated_file_names_the_file(tmp_path, compress):
    path = tmp_path / "x-idx3-ubyte"
    write_idx(path, np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4), compress=False)
    raw = path.read_bytes()[:-5]
    path.write_bytes(gzip.compress(raw) if compress else raw)
    with pytest.raises(CorruptFileError, match=r"x-idx3-ubyte: truncated.*\(2, 3, 4\).*35 bytes"):
        read_idx(path)


def test_idx_trailing_bytes_are_an_error(tmp_path):
    path = tmp_path / "x"
    write_idx(path, np.zeros(3, np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(CorruptFileError, match="trailing bytes"):
        read_idx(path)


@pytest.mark.parametrize("header", ["01000801", "00000701", "0000"])
def test_idx_wrong_magic_names_the_file(tmp_path, header):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(bytes.fromhex(header) + b"\x00" * 8)
    with pytest.raises(
        CorruptFileError, match=r"labels-idx1-ubyte: (wrong magic number|.*too short)"
    ):
        read_idx(path)


def test_idx_truncated_gzip_stream_names_the_file(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    write_idx(path, np.random.default_rng(0).integers(0, 255, (50, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(
        CorruptFileError, match=r"t10k-images-idx3-ubyte.gz: truncated or corrupted gzip"
    ):
        read_idx(path)


def test_idx_writer_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="dtype int64 has no IDX code"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))


@given(n=st.integers(0, 7), seed=st.integers(0, 2**16))
def test_cifar_batch_round_trip(tmp_path_factory, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    y = rng.integers(0, 10, n)
    path = tmp_path_factory.mktemp("cifar") / "data_batch_1"
    write_cifar_batch(path, X, y)
    X2, y2 = read_cifar_batch(path)
    assert X2.shape == (n, 3, 32, 32) and X2.dtype == np.uint8 and y2.dtype == np.int64
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_cifar_pixel_layout_is_rgb_planes_row_major(tmp_path):
    # a row of the pickle is 1024 red, 1024 green, 1024 blue bytes, each plane row-major
    row = np.zeros(3072, np.uint8)
    row[1024 + 32 * 5 + 7] = 200  # green, y=5, x=7
    with open(tmp_path / "b", "wb") as f:
        pickle.dump({b"data": row[None], b"labels": [4]}, f)
    X, y = read_cifar_batch(tmp_path / "b")
    assert X[0, 1, 5, 7] == 200 and X.sum() == 200 and y.tolist() == [4]


def _write_folder(folder: Path, n: int = 3) -> tuple[np.ndarray, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (6 * n, 3, 32, 32), dtype=np.uint8)
    y = rng.integers(0, 10, 6 * n)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        write_cifar_batch(folder / name, X[k * n : (k + 1) * n], y[k * n : (k + 1) * n])
    return X, y


def test_cifar_folder_concatenates_the_five_training_batches(tmp_path):
    X, y = _write_folder(tmp_path / "cifar-10-batches-py")
    d = read_cifar10_folder(tmp_path / "cifar-10-batches-py")
    np.testing.assert_array_equal(d["train"][0], X[:15])
    np.testing.assert_array_equal(d["train"][1], y[:15])
    np.testing.assert_array_equal(d["test"][0], X[15:])


def test_cifar_folder_missing_batch_is_named(tmp_path):
    _write_folder(tmp_path / "c")
    (tmp_path / "c" / "data_batch_3").unlink()
    with pytest.raises(CorruptFileError, match=r"missing data_batch_3"):
        read_cifar10_folder(tmp_path / "c")


def test_cifar_truncated_batch_names_the_file(tmp_path):
    _write_folder(tmp_path / "c")
    path = tmp_path / "c" / "test_batch"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CorruptFileError, match=r"test_batch: not a readable CIFAR-10 pickle"):
        read_cifar_batch(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({b"labels": [1]}, r"keys b'data' and b'labels'"),
        (
            {b"data": np.zeros((2, 3000), np.uint8), b"labels": [1, 2]},
            r"\(N, 3072\), got uint8 \(2, 3000\)",
        ),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}, r"must be 2 ints"),
        ({b"data": np.zeros((1, 3072), np.uint8), b"labels": [10]}, r"labels must be in 0..9"),
    ],
)
def test_cifar_wrong_structure_is_explained(tmp_path, content, message):
    with open(tmp_path / "data_batch_1", "wb") as f:
        pickle.dump(content, f)
    with pytest.raises(CorruptFileError, match=message):
        read_cifar_batch(tmp_path / "data_batch_1")
