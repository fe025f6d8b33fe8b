"""scikit-learn's toy datasets, read from the CSV files that ship inside scikit-learn.

The files are in ``sklearn/datasets/data/``; they are parsed here (no scikit-learn code
runs), and the arrays equal those of ``sklearn.datasets.load_<name>()``:

=============  =======  ========  ==========================================
name           samples  features  target
=============  =======  ========  ==========================================
iris           150      4         3 classes (int64)
wine           178      13        3 classes (int64)
breast_cancer  569      30        2 classes (int64), 0 = malignant
digits         1797     64        10 classes (int64); pixels 0-16 of 8×8 images
diabetes       442      10        disease progression after one year (float64)
=============  =======  ========  ==========================================

>>> d = load_toy("iris")
>>> d["data"].shape, d["target"].dtype, d["target_names"].tolist()
((150, 4), dtype('int64'), ['setosa', 'versicolor', 'virginica'])
"""

from __future__ import annotations

import csv
import gzip
import io

import numpy as np

from groundup.data.errors import CorruptFileError, DataError
from groundup.data.packages import package_file

_FILES = {
    "iris": "iris.csv",
    "wine": "wine_data.csv",
    "breast_cancer": "breast_cancer.csv",
}
TOY_NAMES = ("iris", "wine", "breast_cancer", "digits", "diabetes")


def _read(relative: str) -> str:
    path = package_file("sklearn", f"datasets/data/{relative}")
    raw = path.read_bytes()
    return (gzip.decompress(raw) if relative.endswith(".gz") else raw).decode("utf-8")


def _headed_csv(name: str) -> dict[str, np.ndarray]:
    """A CSV whose first row is ``n_samples, n_features, class names...`` and last column the class."""
    rows = list(csv.reader(io.StringIO(_read(_FILES[name]))))
    n_samples, n_features = int(rows[0][0]), int(rows[0][1])
    table = np.array(rows[1 : 1 + n_samples], dtype=np.float64)  # (n_samples, n_features + 1)
    if table.shape != (n_samples, n_features + 1):
        raise CorruptFileError(
            f"sklearn {_FILES[name]}: expected {n_samples}×{n_features + 1} values, got {table.shape}"
        )
    return {
        "data": table[:, :-1],
        "target": table[:, -1].astype(np.int64),
        "target_names": np.array(rows[0][2:]),
    }


def load_toy(name: str, scaled: bool = True) -> dict[str, np.ndarray]:
    """Load a toy dataset.

    Parameters
    ----------
    name : {"iris", "wine", "breast_cancer", "digits", "diabetes"}
    scaled : bool
        Diabetes only: center each feature and divide it by its standard deviation
        times $\\sqrt{n}$ (scikit-learn's default), so each column has unit norm.

    Returns
    -------
    dict
        ``"data"`` float64 of shape (n_samples, n_features), ``"target"`` of shape
        (n_samples,) (int64 for classification, float64 for diabetes), and
        ``"target_names"`` for the classification sets.
    """
    if name in _FILES:
        return _headed_csv(name)
    if name == "digits":
        table = np.loadtxt(io.StringIO(_read("digits.csv.gz")), delimiter=",")  # (1797, 65)
        return {
            "data": table[:, :-1],
            "target": table[:, -1].astype(np.int64),
            "target_names": np.arange(10),
        }
    if name == "diabetes":
        X = np.loadtxt(io.StringIO(_read("diabetes_data_raw.csv.gz")))  # (442, 10)
        y = np.loadtxt(io.StringIO(_read("diabetes_target.csv.gz")))  # (442,)
        if scaled:
            # $x \leftarrow (x - \bar x) / (\sigma \sqrt{n})$, $\sigma$ the population std
            X = (X - X.mean(axis=0)) / X.std(axis=0) / np.sqrt(X.shape[0])
        return {"data": X, "target": y}
    raise DataError(f"load_toy: name must be one of {', '.join(TOY_NAMES)}, got {name!r}")
