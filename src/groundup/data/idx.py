r"""The IDX file format of MNIST and Fashion-MNIST: read (gzip or not) and write.

An IDX file is a header followed by the array's bytes in C order, big-endian::

    bytes 0-1   0x00 0x00            (the first two bytes of the magic number)
    byte  2     dtype code           0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                     0x0D float32, 0x0E float64
    byte  3     ndim                 number of dimensions d
    4 * d bytes dims                 each a big-endian uint32
    then        prod(dims) * itemsize bytes of data

MNIST's training images are ``0x00000803`` (uint8, 3 dims: 60000, 28, 28), its labels
``0x00000801`` (uint8, 1 dim: 60000). A file is read whole and checked: a wrong magic
number, an unknown dtype code or a size that does not match the header is a
:class:`~groundup.data.errors.CorruptFileError` naming the file.

>>> import tempfile, numpy as np
>>> path = Path(tempfile.mkdtemp()) / "x-idx3-ubyte.gz"
>>> write_idx(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
>>> read_idx(path).shape
(2, 3, 4)
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from groundup.data.errors import CorruptFileError

#: IDX dtype code -> NumPy dtype (big-endian, as stored).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_bytes_maybe_gzip(path: Path) -> bytes:
    """The bytes of ``path``, decompressed if the file starts with the gzip magic ``1f 8b``.

    Raises
    ------
    CorruptFileError
        If the file is a truncated or corrupted gzip stream.
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise CorruptFileError(f"{path}: truncated or corrupted gzip file ({exc})") from exc


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an IDX file into an array (native byte order).

    Parameters
    ----------
    data : bytes
        The whole (decompressed) file.
    name : str
        The file's name, used in error messages.

    Returns
    -------
    ndarray of shape ``dims`` from the header; dtype from the header's dtype code.
    """
    if len(data) < 4:
        raise CorruptFileError(f"{name}: {len(data)} bytes is too short for an IDX header")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in IDX_DTYPES:
        raise CorruptFileError(
            f"{name}: wrong magic number 0x{data[:4].hex()} (an IDX file starts with "
            f"00 00, a dtype code in {{{', '.join(f'{c:02x}' for c in IDX_DTYPES)}}} and ndim)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise CorruptFileError(f"{name}: truncated header ({len(data)} bytes, need {header})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_DTYPES[code]
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise CorruptFileError(
            f"{name}: {what}: header says dims {dims} of {dtype.name} "
            f"({expected} bytes in all), the file has {len(data)} bytes"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw; the gzip magic decides, not the name).

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    ndarray of the header's shape and dtype, e.g. ``(60000, 28, 28)`` uint8 for MNIST's
    training images, ``(60000,)`` uint8 for its labels.
    """
    path = Path(path)
    return parse_idx(read_bytes_maybe_gzip(path), name=str(path))


def write_idx(path: Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file; gzip-compressed if ``compress`` (default: the name ends in ``.gz``).

    Parameters
    ----------
    path : Path
        Destination (written as is, not atomically: this is a format writer).
    array : ndarray of any shape with at most 255 dims
        Its dtype must be one of :data:`IDX_DTYPES` (compared without byte order).
    compress : bool, optional
        Gzip the file.
    """
    path = Path(path)
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): c for c, dt in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(
            f"write_idx: array dtype {array.dtype} has no IDX code; use one of {sorted(str(d) for d in codes)}"
        )
    code = codes[native]
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    body = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    data = header + body
    if compress is None:
        compress = path.name.endswith(".gz")
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
