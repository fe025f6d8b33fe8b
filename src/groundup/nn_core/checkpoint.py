"""Checkpoints: ``save(obj, path)`` / ``load(path)`` as a NumPy ``.npz`` archive.

A model's ``state_dict()`` (a flat mapping from dotted names to tensors) is stored with
one array per key, so ``np.load(path)["fc1.weight"]`` reads it back with NumPy alone.
Nested objects such as an optimiser's state (dicts and lists of tensors, numbers,
strings, ``None``) are stored too: their arrays are numbered entries and their structure
is a JSON skeleton in the entry ``__groundup_tree__``.

The file is written atomically: to a temporary file in the same directory, then moved
over ``path`` with ``os.replace``, so an interrupt never leaves a half-written
checkpoint. ``load`` never unpickles (``allow_pickle=False``).

>>> import tempfile, os, numpy as np
>>> from groundup import Tensor
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
>>> save({"w": Tensor(np.arange(3.0))}, path)
>>> load(path)["w"].tolist()
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.utils.atomic_io import atomic_file

__all__ = ["load", "save"]

_TREE = "__groundup_tree__"


def _is_array(x: Any) -> bool:
    return isinstance(x, Tensor | np.ndarray)


def _flatten(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON skeleton of ``obj``; its arrays are moved into ``arrays`` as ``"a<i>"``."""
    if _is_array(obj):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        return {"__array__": key}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {k!r}")
            items.append([k, _flatten(v, arrays)])
        return {"__dict__": items}
    if isinstance(obj, list | tuple):
        return {"__list__": [_flatten(v, arrays) for v in obj], "tuple": isinstance(obj, tuple)}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"save: cannot store a value of type {type(obj).__name__}")


def _unflatten(node: Any, arrays: Any) -> Any:
    if isinstance(node, dict):
        if "__array__" in node:
            return Tensor(arrays[node["__array__"]])
        if "__dict__" in node:
            return OrderedDict((k, _unflatten(v, arrays)) for k, v in node["__dict__"])
        items = [_unflatten(v, arrays) for v in node["__list__"]]
        return tuple(items) if node["tuple"] else items
    return node


def _is_flat_state(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and all(isinstance(k, str) and k != _TREE for k in obj)
        and all(_is_array(v) for v in obj.values())
    )


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    """What ``np.savez`` writes (one ``<key>.npy`` per array in a zip), for any key.

    ``np.savez(f, **arrays)`` would take keys such as ``"file"`` as its own arguments.
    """
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` (a ``state_dict`` or a nested dict/list of tensors) to ``path`` atomically.

    Parameters
    ----------
    obj : dict
        A flat ``{name: Tensor or ndarray}`` mapping, or any nesting of dicts, lists and
        tuples whose leaves are tensors, arrays, numbers, strings, booleans or ``None``.
    path : str or PathLike
        The file to write (written exactly there; ``.npz`` is the customary suffix).
    """
    path = os.fspath(path)
    if _is_flat_state(obj):
        arrays = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in obj.items()}
    else:
        arrays = {}
        tree = _flatten(obj, arrays)
        arrays[_TREE] = np.array(json.dumps(tree))
    with atomic_file(path, "wb") as f:
        _write_npz(f, arrays)


def load(path: str | os.PathLike[str]) -> Any:
    """Read what :func:`save` wrote: an ``OrderedDict`` of Tensors (or the saved nesting)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    if _TREE in arrays:
        return _unflatten(json.loads(str(arrays.pop(_TREE))), arrays)
    return OrderedDict((k, Tensor(v)) for k, v in arrays.items())
