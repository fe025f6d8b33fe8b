"""Text corpora: Karpathy's tiny Shakespeare (one file) and WikiText-2 raw (a zip of three files).

Pinned SHA-256: tiny Shakespeare's ``input.txt`` as TensorFlow Datasets pins it, and the
``wikitext-2-raw-v1.zip`` of Salesforce/Stephen Merity as Hugging Face and llama.cpp's
mirror pin it. Tiny Shakespeare is split like nanoGPT: the last 10% of the characters
are validation; WikiText-2 keeps its own train/valid/test files.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from groundup.data.cache import atomic_copy
from groundup.data.download import Resource, checksum_mismatch
from groundup.data.errors import CorruptFileError, DataError
from groundup.data.remote import RemoteSource
from groundup.utils.atomic_io import atomic_directory


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


def _tiny_install_from(path: Path, folder: Path) -> list[str]:
    if path.is_dir():
        raise DataError(f"{path} is a folder; tiny-shakespeare is one text file (input.txt)")
    _read_text(path)
    mismatch = checksum_mismatch(path, _TINY)
    atomic_copy(path, folder / _TINY.filename)
    return [mismatch] if mismatch else []


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
    with atomic_directory(folder / _WIKI_DIR) as tmp:
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


def _wiki_install_from(path: Path, folder: Path) -> list[str]:
    if path.is_file():
        mismatch = checksum_mismatch(path, _WIKI_ZIP)
        _extract_wiki(path, folder)
        return [mismatch] if mismatch else []
    _wiki_read(path)
    src = path / _WIKI_DIR if (path / _WIKI_DIR).is_dir() else path
    with atomic_directory(folder / _WIKI_DIR) as tmp:
        for f in _WIKI_SPLITS.values():
            shutil.copyfile(src / f, tmp / f)
    return []


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
