"""The downloadable datasets: where their files come from, how they are installed, how they are read.

Each :class:`RemoteSource` knows its files (URLs and pinned checksums), how to turn the
downloaded files into its cache folder (e.g. extract CIFAR-10's archive), how to install
files the user already has (``groundup data add NAME --from PATH``) and how to read a
folder into arrays or text. Everything that enters the cache is parsed first and written
atomically (:mod:`groundup.data.cache`).

Checksums: the SHA-256 of every file is pinned (MNIST, Fashion-MNIST and the CIFAR-10
archive as torchvision and Keras pin them; tiny Shakespeare and WikiText-2 as
TensorFlow Datasets and llama.cpp's mirror do), with the size in bytes.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from groundup.data.cache import atomic_copy, atomic_path
from groundup.data.cifar import TEST_BATCH, TRAIN_BATCHES, read_cifar10_folder
from groundup.data.download import Resource, verify
from groundup.data.errors import CorruptFileError, DataError
from groundup.data.idx import read_idx


@dataclass(frozen=True)
class RemoteSource:
    """A dataset fetched from the network (or added from local files).

    Attributes
    ----------
    resources : tuple of Resource
        The files to download.
    is_installed : callable
        ``is_installed(folder) -> bool``: the cache folder holds a complete copy.
    finish_download : callable
        ``finish_download(folder)``: turn the downloaded files into the installed layout.
    install_from : callable
        ``install_from(path, folder)``: validate the user's files and copy them in.
    read : callable
        ``read(folder_or_path)``: the dataset, from the cache folder or the user's files.
    manual : str
        What a user without network should download, for the messages.
    """

    resources: tuple[Resource, ...]
    is_installed: Callable[[Path], bool]
    finish_download: Callable[[Path], None]
    install_from: Callable[[Path, Path], None]
    read: Callable[[Path], Any]
    manual: str


# --------------------------------------------------------------------------- IDX sets


_IDX_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find_idx(folder: Path, stem: str) -> Path | None:
    """``stem``, ``stem.gz`` or the ``train-images.idx3-ubyte`` spelling some copies use."""
    for name in (
        stem,
        stem + ".gz",
        stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz",
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


def _idx_install_from(path: Path, folder: Path) -> None:
    read_idx_folder(path)  # validates all four files
    for pair in _IDX_STEMS.values():
        for stem in pair:
            src = _find_idx(path, stem)
            assert src is not None
            suffix = ".gz" if src.name.endswith(".gz") else ""
            atomic_copy(src, folder / (stem + suffix))


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
        install_from=_idx_install_from,
        read=read_idx_folder,
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


# --------------------------------------------------------------------------- CIFAR-10

_CIFAR_ARCHIVE = Resource(
    "cifar-10-python.tar.gz",
    ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    170498071,
)
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_FILES = (*TRAIN_BATCHES, TEST_BATCH, "batches.meta")


def _cifar_installed(folder: Path) -> bool:
    return all((folder / _CIFAR_DIR / n).is_file() for n in _CIFAR_FILES[:-1])


def _extract_cifar(archive: Path, folder: Path) -> None:
    """Extract the batch files (regular files only, by name: no path from the archive is trusted)."""
    with atomic_path(folder / _CIFAR_DIR) as tmp:
        tmp.mkdir()
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar.getmembers():
                    name = Path(member.name).name
                    if member.isfile() and name in _CIFAR_FILES:
                        src = tar.extractfile(member)
                        assert src is not None
                        with src, open(tmp / name, "wb") as dst:
                            shutil.copyfileobj(src, dst)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise CorruptFileError(f"{archive}: not a readable CIFAR-10 archive ({exc})") from exc
        read_cifar10_folder(tmp)  # validate before it becomes the cache


def _cifar_finish_download(folder: Path) -> None:
    archive = folder / _CIFAR_ARCHIVE.filename
    _extract_cifar(archive, folder)
    archive.unlink()


def _cifar_install_from(path: Path, folder: Path) -> None:
    if path.is_file():  # the official archive
        verify(path, _CIFAR_ARCHIVE)
        _extract_cifar(path, folder)
        return
    read_cifar10_folder(path)  # validates every batch
    with atomic_path(folder / _CIFAR_DIR) as tmp:
        tmp.mkdir()
        for name in _CIFAR_FILES:
            if (path / name).is_file():
                shutil.copyfile(path / name, tmp / name)


def _cifar_read(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    path = Path(path)
    return read_cifar10_folder(path / _CIFAR_DIR if (path / _CIFAR_DIR).is_dir() else path)


CIFAR10 = RemoteSource(
    resources=(_CIFAR_ARCHIVE,),
    is_installed=_cifar_installed,
    finish_download=_cifar_finish_download,
    install_from=_cifar_install_from,
    read=_cifar_read,
    manual=f"{_CIFAR_ARCHIVE.urls[0]} (or its extracted {_CIFAR_DIR} folder)",
)


# --------------------------------------------------------------------------- text


def _read_text(path: Path) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(f"{path}: not UTF-8 text ({exc})") from exc
    if not text.strip():
        raise CorruptFileError(f"{path}: the file is empty")
    return text


def split_text(text: str, val_fraction: float = 0.1) -> dict[str, str]:
    """``{"train": first 90%, "val": last 10%}`` of the characters (nanoGPT's split)."""
    n_train = int(len(text) * (1 - val_fraction))
    return {"train": text[:n_train], "val": text[n_train:]}


_TINY = Resource(
    "input.txt",
    (
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt",
    ),
    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    1115394,
)


def _tiny_install_from(path: Path, folder: Path) -> None:
    _read_text(path)
    atomic_copy(path, folder / _TINY.filename)


def _tiny_read(path: Path) -> dict[str, str]:
    path = Path(path)
    return split_text(_read_text(path / _TINY.filename if path.is_dir() else path))


TINY_SHAKESPEARE = RemoteSource(
    resources=(_TINY,),
    is_installed=lambda folder: (folder / _TINY.filename).is_file(),
    finish_download=lambda folder: None,
    install_from=_tiny_install_from,
    read=_tiny_read,
    manual=_TINY.urls[0],
)

_WIKI_ZIP = Resource(
    "wikitext-2-raw-v1.zip",
    (
        "https://wikitext.smerity.com/wikitext-2-raw-v1.zip",
        "https://huggingface.co/datasets/ggml-org/ci/resolve/main/wikitext-2-raw-v1.zip",
    ),
    "ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11",
    4721645,
)
_WIKI_DIR = "wikitext-2-raw"
_WIKI_SPLITS = {"train": "wiki.train.raw", "val": "wiki.valid.raw", "test": "wiki.test.raw"}


def _wiki_read(path: Path) -> dict[str, str]:
    path = Path(path)
    folder = path / _WIKI_DIR if (path / _WIKI_DIR).is_dir() else path
    missing = [f for f in _WIKI_SPLITS.values() if not (folder / f).is_file()]
    if missing:
        raise DataError(f"{folder}: not a wikitext-2-raw folder, missing {', '.join(missing)}")
    return {split: _read_text(folder / f) for split, f in _WIKI_SPLITS.items()}


def _extract_wiki(archive: Path, folder: Path) -> None:
    with atomic_path(folder / _WIKI_DIR) as tmp:
        tmp.mkdir()
        try:
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    name = Path(info.filename).name
                    if name in _WIKI_SPLITS.values() and not info.is_dir():
                        (tmp / name).write_bytes(z.read(info))
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise CorruptFileError(f"{archive}: not a readable WikiText-2 zip ({exc})") from exc
        _wiki_read(tmp)


def _wiki_finish_download(folder: Path) -> None:
    archive = folder / _WIKI_ZIP.filename
    _extract_wiki(archive, folder)
    archive.unlink()


def _wiki_install_from(path: Path, folder: Path) -> None:
    if path.is_file():
        verify(path, _WIKI_ZIP)
        _extract_wiki(path, folder)
        return
    _wiki_read(path)
    src = path / _WIKI_DIR if (path / _WIKI_DIR).is_dir() else path
    with atomic_path(folder / _WIKI_DIR) as tmp:
        tmp.mkdir()
        for f in _WIKI_SPLITS.values():
            shutil.copyfile(src / f, tmp / f)


WIKITEXT2 = RemoteSource(
    resources=(_WIKI_ZIP,),
    is_installed=lambda folder: all(
        (folder / _WIKI_DIR / f).is_file() for f in _WIKI_SPLITS.values()
    ),
    finish_download=_wiki_finish_download,
    install_from=_wiki_install_from,
    read=_wiki_read,
    manual=f"{_WIKI_ZIP.urls[0]} (or its extracted {_WIKI_DIR} folder)",
)
