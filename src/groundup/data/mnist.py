"""MNIST and Fashion-MNIST: four IDX files each (gzip), read with :mod:`groundup.data.idx`.

The SHA-256 of every file is pinned (the values torchvision pins), with its size in bytes.
A folder the user already has may hold the files gzipped or not, and spelled
``train-images-idx3-ubyte`` or ``train-images.idx3-ubyte``; the cache holds each of the
four files once, gzipped, under the name it is downloaded as (``train-images-idx3-ubyte.gz``).
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

from groundup.data.download import Resource
from groundup.data.errors import CorruptFileError, DataError
from groundup.data.idx import read_idx
from groundup.data.remote import RemoteSource, check_counts
from groundup.utils.atomic_io import atomic_directory

_IDX_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


#: Images per split of MNIST and Fashion-MNIST (a copy with other counts is not the dataset).
EXPECTED_COUNTS = {"train": 60000, "test": 10000}


def _find_idx(folder: Path, stem: str) -> Path | None:
    """``stem.gz`` (the cache's one canonical name), ``stem``, or the ``train-images.idx3-ubyte``
    spelling some copies use, gzipped or not."""
    for name in (
        stem + ".gz",
        stem,
        stem.replace("-idx", ".idx") + ".gz",
        stem.replace("-idx", ".idx"),
    ):
        if (folder / name).is_file():
            return folder / name
    return None


def read_idx_folder(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the four MNIST-format IDX files of a folder (gzipped or not).

    Returns
    -------
    dict
        ``{"train": (X, y), "test": (X, y)}``: ``X`` uint8 ``(N, 28, 28)``, ``y`` int64 ``(N,)``.
    """
    folder = Path(folder)
    out = {}
    for split, (img_stem, lab_stem) in _IDX_STEMS.items():
        img_path, lab_path = _find_idx(folder, img_stem), _find_idx(folder, lab_stem)
        if img_path is None or lab_path is None:
            missing = img_stem if img_path is None else lab_stem
            raise DataError(
                f"{folder}: no {missing}[.gz] (an IDX folder holds the four MNIST-format files)"
            )
        X, y = read_idx(img_path), read_idx(lab_path)
        if X.dtype != np.uint8 or X.ndim != 3 or X.shape[1:] != (28, 28):
            raise CorruptFileError(
                f"{img_path}: expected uint8 images of shape (N, 28, 28), got {X.dtype} {X.shape}"
            )
        if y.dtype != np.uint8 or y.shape != (len(X),):
            raise CorruptFileError(
                f"{lab_path}: expected {len(X)} uint8 labels for {img_path.name}, got {y.dtype} {y.shape}"
            )
        if y.size and y.max() > 9:
            raise CorruptFileError(f"{lab_path}: labels must be in 0..9, got max {y.max()}")
        out[split] = (X, y.astype(np.int64))
    return out


def _idx_installed(folder: Path) -> bool:
    return all(_find_idx(folder, s) is not None for pair in _IDX_STEMS.values() for s in pair)


def _idx_read_cache(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    d = read_idx_folder(folder)
    check_counts(d, folder, EXPECTED_COUNTS)
    return d


def _idx_install_from(path: Path, folder: Path, checksums: dict[str, tuple[str, int]]) -> list[str]:
    """Validate the user's four files, then replace the cache folder by one holding each as ``stem.gz``.

    A gzip file is copied as it is and its SHA-256 compared with the pinned one (a
    mismatch is returned as a warning); an uncompressed file is gzipped. The new folder
    is renamed over the old one in one step, so no other spelling of a member
    (``stem``, ``train-images.idx3-ubyte`` ...) from an earlier copy survives to hide it,
    and an interrupted ``add`` leaves the old copy whole.
    """
    check_counts(read_idx_folder(path), path, EXPECTED_COUNTS)  # validates all four files
    warnings: list[str] = []
    with atomic_directory(folder) as tmp:
        for pair in _IDX_STEMS.values():
            for stem in pair:
                src = _find_idx(path, stem)
                assert src is not None
                raw = src.read_bytes()
                if raw.startswith(b"\x1f\x8b"):
                    sha, size = checksums[stem + ".gz"]
                    digest = hashlib.sha256(raw).hexdigest()
                    if digest != sha:
                        warnings.append(
                            f"{src}: not the published {stem}.gz: SHA-256 {digest} "
                            f"({len(raw):,} bytes), published {sha} ({size:,} bytes)"
                        )
                else:
                    raw = gzip.compress(raw, mtime=0)
                (tmp / (stem + ".gz")).write_bytes(raw)
    return warnings


def _idx_source(
    base_urls: tuple[str, ...], checksums: dict[str, tuple[str, int]], home: str
) -> RemoteSource:
    resources = tuple(
        Resource(name, tuple(f"{b}/{name}" for b in base_urls), sha, size)
        for name, (sha, size) in checksums.items()
    )
    return RemoteSource(
        resources=resources,
        is_installed=_idx_installed,
        finish_download=lambda folder: None,
        install_from=lambda path, folder: _idx_install_from(path, folder, checksums),
        read=read_idx_folder,
        read_cache=_idx_read_cache,
        manual=f"the four IDX .gz files from {base_urls[0]}/ (see {home})",
    )


MNIST = _idx_source(
    (
        "https://ossci-datasets.s3.amazonaws.com/mnist",
        "https://storage.googleapis.com/cvdf-datasets/mnist",
    ),
    {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            9912422,
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            28881,
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            1648877,
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            4542,
        ),
    },
    "http://yann.lecun.com/exdb/mnist/",
)

FASHION_MNIST = _idx_source(
    ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",),
    {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            26421880,
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            29515,
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            4422102,
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            5148,
        ),
    },
    "https://github.com/zalandoresearch/fashion-mnist",
)
