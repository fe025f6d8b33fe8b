"""Shape checks and broadcasting helpers.

Broadcasting stretches size-1 (or missing leading) axes. Its adjoint, used by every
backward pass in the library, sums the gradient back over those axes:
:func:`sum_to_shape`. The autograd engine calls it in exactly one place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "broadcast_shapes",
    "check_ndim",
    "check_same_length",
    "check_same_shape",
    "check_shape",
    "normalize_axes",
    "sum_over",
    "sum_to_shape",
]


def _fmt(shape: Sequence[int | None]) -> str:
    return (
        "("
        + ", ".join("*" if s is None else str(s) for s in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_shape(name: str, array: np.ndarray, expected: Sequence[int | None]) -> None:
    """Raise ``ValueError`` unless ``array.shape`` matches ``expected``.

    ``None`` in ``expected`` matches any size.

    >>> check_shape("x", np.zeros((2, 3)), (None, 3))
    >>> check_shape("x", np.zeros((2, 4)), (None, 3))
    Traceback (most recent call last):
    ...
    ValueError: x: expected shape (*, 3), got (2, 4)
    """
    shape = np.shape(array)
    ok = len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected, shape))
    if not ok:
        raise ValueError(f"{name}: expected shape {_fmt(expected)}, got {_fmt(shape)}")


def check_ndim(name: str, array: np.ndarray, ndim: int | Sequence[int]) -> None:
    """Raise ``ValueError`` unless ``array`` has ``ndim`` dimensions (or one of them).

    >>> check_ndim("images", np.zeros((8, 28, 28)), 4)
    Traceback (most recent call last):
    ...
    ValueError: images: expected a 4-D array, got 3-D with shape (8, 28, 28)
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    actual = np.ndim(array)
    if actual not in allowed:
        want = " or ".join(str(n) for n in allowed)
        raise ValueError(
            f"{name}: expected a {want}-D array, got {actual}-D with shape {_fmt(np.shape(array))}"
        )


def check_same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape.

    >>> check_same_shape("input", np.zeros(3), "target", np.zeros((3, 1)))
    Traceback (most recent call last):
    ...
    ValueError: input and target must have the same shape, got (3,) and (3, 1)
    """
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, "
            f"got {_fmt(np.shape(a))} and {_fmt(np.shape(b))}"
        )


def check_same_length(**arrays: ArrayLike) -> int:
    """Raise ``ValueError`` unless all arrays have the same first dimension; return it.

    Pass the arrays by the names the caller knows them by, so the message names them.

    >>> check_same_length(y_true=np.zeros(3), y_pred=np.zeros(3))
    3
    >>> check_same_length(y_true=np.zeros(3), y_pred=np.zeros((4, 2)))
    Traceback (most recent call last):
    ...
    ValueError: y_true and y_pred must have the same length (first dimension), got y_true of shape (3,) and y_pred of shape (4, 2)
    """
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    for name, shape in shapes.items():
        if len(shape) == 0:
            raise ValueError(f"{name} must be an array with a length, got a scalar")
    if len({shape[0] for shape in shapes.values()}) > 1:
        got = _and([f"{n} of shape {_fmt(s)}" for n, s in shapes.items()])
        raise ValueError(
            f"{_and(list(shapes))} must have the same length (first dimension), got {got}"
        )
    return next(iter(shapes.values()))[0] if shapes else 0


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that ``shapes`` broadcast to; a ``ValueError`` naming them if none.

    >>> broadcast_shapes((3, 1), (1, 4))
    (3, 4)
    """
    # BEGIN SOLUTION
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = _and([_fmt(s) for s in shapes])
        raise ValueError(f"shapes {listed} cannot be broadcast together") from None
    # END SOLUTION


def sum_to_shape(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    r"""Undo a broadcast: sum ``grad`` over the axes that broadcasting stretched.

    If $y = \mathrm{broadcast}(x)$ then $\partial L/\partial x_i = \sum_{j \to i}
    \partial L/\partial y_j$: leading axes that broadcasting added are summed away, and
    axes where ``shape`` has size 1 are summed with ``keepdims``.

    >>> sum_to_shape(np.ones((3, 4)), (3, 1)).ravel().tolist()
    [4.0, 4.0, 4.0]
    >>> sum_to_shape(np.ones((2, 3, 4)), (4,)).tolist()
    [6.0, 6.0, 6.0, 6.0]
    """
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    # BEGIN SOLUTION
    lead = grad.ndim - len(shape)
    # Broadcasting only adds leading axes and stretches size-1 axes; anything else is an error.
    if lead < 0 or any(s != 1 and s != g for s, g in zip(shape, grad.shape[lead:])):
        raise ValueError(
            f"cannot sum gradient of shape {_fmt(grad.shape)} to {_fmt(shape)}: "
            f"{_fmt(shape)} does not broadcast to {_fmt(grad.shape)}"
        )
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1
    )
    out = sum_over(grad, axes) if axes else grad  # grad.sum(axis=axes, keepdims=True)
    return out.reshape(shape) if lead else out
    # END SOLUTION


def sum_over(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``a.sum(axis=axes, keepdims=True)``, fast when the kept axes are innermost in memory.

    A convolution's gradient is channels-last in memory, ``(N, H, W, C)`` under its
    ``(N, C, H, W)`` shape, and its bias gradient sums over everything but ``C``. NumPy
    then adds rows of ``C`` numbers one row at a time: an inner loop of 6 elements for
    LeNet's first layer, 100,352 times (1.6 ms). Folding ``k`` rows into one,
    ``(R, C) -> (R/k, k C)``, makes the inner loop ``k C`` long; one more small sum over
    the ``k`` folds finishes the job (0.12 ms, the same numbers up to rounding).

    >>> g = np.arange(24.0).reshape(2, 3, 4).transpose(0, 2, 1)  # (2, 4, 3), axis 1 innermost
    >>> bool(np.array_equal(sum_over(g, (0, 1)), g.sum(axis=(0, 1), keepdims=True)))
    True
    """
    kept = [i for i in range(a.ndim) if i not in axes]
    if a.size < 1 << 15 or not kept:
        return a.sum(axis=axes, keepdims=True)
    order = sorted(range(a.ndim), key=lambda i: -a.strides[i])  # outermost axis first
    mem = a.transpose(order)
    inner = order[len(order) - len(kept) :]
    K = math.prod(a.shape[i] for i in kept)
    if not mem.flags.c_contiguous or sorted(inner) != kept or K >= 64:
        return a.sum(axis=axes, keepdims=True)
    # fold the reduced axes just outside the kept ones until a row holds >= 128 numbers
    k, pos = 1, len(order) - len(kept)
    while k * K < 128 and pos > 0:
        pos -= 1
        k *= a.shape[order[pos]]
    rows = mem.reshape(-1, k * K).sum(axis=0).reshape(k, K).sum(axis=0)  # (K,), memory order
    rows = rows.reshape([a.shape[i] for i in inner]).transpose(np.argsort(inner))
    return rows.reshape([a.shape[i] if i in kept else 1 for i in range(a.ndim)])


def normalize_axes(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """``dim`` (an int, a sequence, or ``None`` for all) as sorted non-negative axes.

    >>> normalize_axes(-1, 3)
    (2,)
    """
    # BEGIN SOLUTION
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"dim {d} is out of range for a tensor with {ndim} dimensions")
        out.append(int(d) % max(ndim, 1))
    return tuple(sorted(set(out)))
    # END SOLUTION
