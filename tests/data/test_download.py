"""The downloader against a local HTTP server (127.0.0.1, started by the test, with Range support)."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from groundup import data
from groundup.data import registry
from groundup.data.download import Resource, download
from groundup.data.errors import ChecksumError, DownloadError, OfflineError
from groundup.data.idx import write_idx

PAYLOAD = bytes(range(256)) * 1000  # 256,000 bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    drop_after: int | None = None  # send only this many bytes, then close (once)
    ignore_range = False
    ranges: ClassVar[list[str | None]] = []

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        rng = self.headers.get("Range")
        type(self).ranges.append(rng)
        start = 0
        if rng and not self.ignore_range:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        rest = body[start:]
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        if type(self).drop_after is not None:
            self.wfile.write(rest[: type(self).drop_after])
            self.wfile.flush()
            type(self).drop_after = None
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(rest)


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type(
        "Handler",
        (_Handler,),
        {"files": {}, "ranges": [], "drop_after": None, "ignore_range": False},
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def _resource(
    base: str, name: str = "blob.bin", body: bytes = PAYLOAD, size: bool = True
) -> Resource:
    return Resource(
        name, (f"{base}/{name}",), hashlib.sha256(body).hexdigest(), len(body) if size else None
    )


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_complete_download_verifies_and_renames(server, tmp_path):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD
    seen = []
    path = download(_resource(base), tmp_path / "ds", progress=lambda n, t: seen.append((n, t)))
    assert path == tmp_path / "ds" / "blob.bin"
    assert path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == ["blob.bin"]  # no .part left
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    # a second call finds the file and fetches nothing
    download(_resource(base), tmp_path / "ds")
    assert handler.ranges == [None]


def test_interrupted_download_leaves_no_file_and_resumes_with_range(server, tmp_path):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD
    handler.drop_after = 100_000
    folder = tmp_path / "ds"
    with pytest.raises(
        DownloadError, match=r"blob.bin: connection dropped after 100000 .*run the command again"
    ):
        download(_resource(base), folder)
    assert not (folder / "blob.bin").exists()
    assert (folder / "blob.bin.part").stat().st_size == 100_000
    path = download(_resource(base), folder)
    assert handler.ranges == [None, "bytes=100000-"]
    assert path.read_bytes() == PAYLOAD
    assert not (folder / "blob.bin.part").exists()


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD
    handler.ignore_range = True
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "blob.bin.part").write_bytes(b"garbage" * 10)
    path = download(_resource(base), folder)
    assert handler.ranges == ["bytes=70-"]
    assert path.read_bytes() == PAYLOAD


def test_partial_file_already_complete_gets_416_then_verifies(server, tmp_path):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "blob.bin.part").write_bytes(PAYLOAD)
    assert download(_resource(base), folder).read_bytes() == PAYLOAD


@pytest.mark.parametrize("pin_size", [True, False])
def test_checksum_mismatch_deletes_the_download(server, tmp_path, pin_size):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD[:-1] + b"\x00"  # same size, one byte changed
    folder = tmp_path / "ds"
    with pytest.raises(
        ChecksumError,
        match=r"blob.bin.part: checksum mismatch for blob.bin: SHA-256 [0-9a-f]{64}, expected",
    ):
        download(_resource(base, size=pin_size), folder)
    assert list(folder.iterdir()) == []


def test_wrong_size_is_reported_before_hashing(server, tmp_path):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD[:1000]
    with pytest.raises(ChecksumError, match=r"size 1000 bytes, expected 256000"):
        download(_resource(base), tmp_path / "ds")
    assert list((tmp_path / "ds").iterdir()) == []


def test_http_error_is_named(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadError, match=r"/blob.bin: HTTP 404"):
        download(_resource(base), tmp_path / "ds")


def test_offline_fails_at_once_with_one_line_saying_what_and_where(tmp_path):
    base = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(OfflineError) as info:
        download(_resource(base), tmp_path / "ds", dataset="mnist", timeout=5)
    message = str(info.value)
    assert "\n" not in message
    assert f"download {base}/blob.bin and put it in {tmp_path / 'ds'}/" in message
    assert "`groundup data add mnist --from PATH`" in message
    assert not (tmp_path / "ds" / "blob.bin").exists()


def test_second_mirror_is_tried_when_the_first_is_unreachable(server, tmp_path):
    base, handler = server
    handler.files["/blob.bin"] = PAYLOAD
    dead = f"http://127.0.0.1:{_closed_port()}/blob.bin"
    r = Resource(
        "blob.bin", (dead, f"{base}/blob.bin"), hashlib.sha256(PAYLOAD).hexdigest(), len(PAYLOAD)
    )
    assert download(r, tmp_path / "ds").read_bytes() == PAYLOAD


def _serve_fake_mnist(handler: type[_Handler], tmp_path: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 20).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 5).astype(np.uint8),
    }
    for name, a in arrays.items():
        write_idx(tmp_path / name, a)
        handler.files["/" + name] = (tmp_path / name).read_bytes()
    return arrays


def test_get_then_load_mnist_end_to_end(server, tmp_path, monkeypatch, _cache):
    base, handler = server
    arrays = _serve_fake_mnist(handler, tmp_path)
    resources = tuple(_resource(base, name, handler.files["/" + name]) for name in arrays)
    entry = registry.REGISTRY["mnist"]
    patched = dataclasses.replace(
        entry, remote=dataclasses.replace(entry.remote, resources=resources)
    )
    monkeypatch.setitem(registry.REGISTRY, "mnist", patched)
    assert data.status("mnist") == "missing"
    with pytest.raises(
        data.NotCachedError, match=r"mnist is not in the cache .*`groundup data get mnist`"
    ):
        data.load("mnist")
    d = data.load("mnist", download=True)
    assert data.status("mnist") == "cached"
    assert d["train"][0].shape == (20, 28, 28) and d["train"][0].dtype == np.uint8
    assert d["test"][1].dtype == np.int64
    np.testing.assert_array_equal(d["train"][0], arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(d["test"][1], arrays["t10k-labels-idx1-ubyte.gz"])
    assert sorted(p.name for p in (_cache / "mnist").iterdir()) == sorted(arrays)


def test_get_offline_names_every_file_to_fetch(monkeypatch):
    base = f"http://127.0.0.1:{_closed_port()}"
    entry = registry.REGISTRY["fashion-mnist"]
    resources = tuple(
        dataclasses.replace(r, urls=(f"{base}/{r.filename}",)) for r in entry.remote.resources
    )
    patched = dataclasses.replace(
        entry, remote=dataclasses.replace(entry.remote, resources=resources)
    )
    monkeypatch.setitem(registry.REGISTRY, "fashion-mnist", patched)
    with pytest.raises(OfflineError) as info:
        data.get("fashion-mnist")
    message = str(info.value)
    assert "\n" not in message and message.startswith("fashion-mnist: cannot reach 127.0.0.1")
    assert "the four IDX .gz files from http://fashion-mnist" in message
    assert "`groundup data add fashion-mnist --from PATH`" in message


def _patch_remote(monkeypatch, name: str, base: str, bodies: dict[str, bytes]) -> None:
    entry = registry.REGISTRY[name]
    resources = tuple(_resource(base, fname, body) for fname, body in bodies.items())
    patched = dataclasses.replace(
        entry, remote=dataclasses.replace(entry.remote, resources=resources)
    )
    monkeypatch.setitem(registry.REGISTRY, name, patched)


def test_get_cifar_downloads_extracts_and_removes_the_archive(
    server, tmp_path, monkeypatch, _cache
):
    import io
    import tarfile

    from groundup.data.cifar import write_cifar_batch

    base, handler = server
    src = tmp_path / "cifar-10-batches-py"
    src.mkdir()
    X = np.random.default_rng(3).integers(0, 256, (6, 3, 32, 32), dtype=np.uint8)
    for k, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        write_cifar_batch(src / name, X[k : k + 1], [k])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(src, arcname="cifar-10-batches-py")
    handler.files["/cifar-10-python.tar.gz"] = buf.getvalue()
    _patch_remote(monkeypatch, "cifar-10", base, {"cifar-10-python.tar.gz": buf.getvalue()})
    folder = data.get("cifar-10")
    assert sorted(p.name for p in folder.iterdir()) == ["cifar-10-batches-py"]
    d = data.load("cifar-10")
    np.testing.assert_array_equal(d["train"][0], X[:5])
    assert d["test"][1].tolist() == [5]


def test_get_wikitext_downloads_and_extracts_the_zip(server, tmp_path, monkeypatch, _cache):
    import io
    import zipfile

    base, handler = server
    buf = io.BytesIO()
    texts = {"train": " = A = \n", "val": " = B = \n", "test": " = C = \n"}
    with zipfile.ZipFile(buf, "w") as z:
        for split, fname in (
            ("train", "wiki.train.raw"),
            ("val", "wiki.valid.raw"),
            ("test", "wiki.test.raw"),
        ):
            z.writestr(f"wikitext-2-raw/{fname}", texts[split])
    handler.files["/wikitext-2-raw-v1.zip"] = buf.getvalue()
    _patch_remote(monkeypatch, "wikitext-2", base, {"wikitext-2-raw-v1.zip": buf.getvalue()})
    assert data.load("wikitext-2", download=True) == texts
    assert sorted(p.name for p in (_cache / "wikitext-2").iterdir()) == ["wikitext-2-raw"]
    assert data.status("wikitext-2") == "cached"
