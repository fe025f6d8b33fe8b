r"""Image transforms: composable callables on one image (or a batch sharing the same draw).

An image is an ndarray (or Tensor) whose last two axes are height and width:
``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)``. Random transforms take a
``np.random.Generator`` (or a seed) and draw once per call.

>>> import numpy as np
>>> t = Compose([ToFloat(), Normalize(mean=[0.1307], std=[0.3081])])
>>> x = np.full((1, 28, 28), 255, dtype=np.uint8)
>>> y = t(x)
>>> y.dtype, round(float(y[0, 0, 0]), 4)          # (1 - 0.1307) / 0.3081
(dtype('float32'), 2.8215)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from groundup.foundations import Tensor
from groundup.utils.seeding import make_rng


def _array(x: Any) -> tuple[np.ndarray, bool]:
    if isinstance(x, Tensor):
        return x.data, True
    return np.asarray(x), False


def _wrap(y: np.ndarray, was_tensor: bool) -> Any:
    return Tensor(y) if was_tensor else y


def _check_image(name: str, x: np.ndarray) -> None:
    if x.ndim < 2:
        raise ValueError(
            f"{name}: expected an image with at least 2 axes (..., H, W), got shape {x.shape}"
        )


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


class ToFloat:
    r"""uint8 pixels to float32 in $[0, 1]$: $x \mapsto x / 255$ (floats are only cast to float32)."""

    def __call__(self, x: Any) -> Any:
        a, was_tensor = _array(x)
        if a.dtype == np.uint8:
            return _wrap(a.astype(np.float32) / np.float32(255), was_tensor)
        if a.dtype.kind != "f":
            raise TypeError(f"ToFloat: expected uint8 or floating images, got dtype {a.dtype}")
        return _wrap(a.astype(np.float32), was_tensor)

    def __repr__(self) -> str:
        return "ToFloat()"


class Normalize:
    r"""Per-channel standardisation $x_c \mapsto (x_c - \mu_c) / \sigma_c$ on the channel axis ``-3``.

    Parameters
    ----------
    mean, std : sequence of float, length C (or 1 for ``(H, W)`` images)
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float32))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float32))
        if self.mean.shape != self.std.shape or self.mean.ndim != 1:
            raise ValueError(
                f"Normalize: mean and std must be equally long 1-D, got {self.mean.shape} and {self.std.shape}"
            )
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std.tolist()}")

    def __call__(self, x: Any) -> Any:
        a, was_tensor = _array(x)
        _check_image("Normalize", a)
        C = a.shape[-3] if a.ndim >= 3 else 1
        if len(self.mean) not in (1, C):
            raise ValueError(
                f"Normalize: {len(self.mean)} means for {C} channels (image shape {a.shape})"
            )
        shape = (-1, 1, 1) if a.ndim >= 3 else (-1, 1)
        mu, sigma = self.mean.reshape(shape), self.std.reshape(shape)  # (C, 1, 1)
        # $(x_c - \mu_c) / \sigma_c$
        y = (a - mu) / sigma
        return _wrap(y.astype(np.result_type(a.dtype, np.float32)), was_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomCrop:
    """Pad the image by ``padding`` pixels (value ``fill``) on each side, then cut a random ``size`` window.

    Parameters
    ----------
    size : int or (int, int)
        Output height and width.
    padding : int
        Pixels added on each of the four sides before cropping.
    fill : float
        Value of the padding.
    generator : np.random.Generator or int, optional
        Draws the window's top-left corner uniformly among all positions.
    """

    def __init__(
        self,
        size: int | tuple[int, int],
        padding: int = 0,
        fill: float = 0,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if padding < 0 or min(self.size) < 1:
            raise ValueError(
                f"RandomCrop: size must be positive and padding >= 0, got size={size}, padding={padding}"
            )
        self.padding = int(padding)
        self.fill = fill
        self.generator = make_rng(generator)

    def __call__(self, x: Any) -> Any:
        a, was_tensor = _array(x)
        _check_image("RandomCrop", a)
        p = self.padding
        if p:
            widths = [(0, 0)] * (a.ndim - 2) + [(p, p), (p, p)]
            a = np.pad(a, widths, mode="constant", constant_values=self.fill)  # (..., H+2p, W+2p)
        H, W = a.shape[-2:]
        h, w = self.size
        if h > H or w > W:
            raise ValueError(
                f"RandomCrop: crop size {self.size} is larger than the padded image {(H, W)}"
            )
        top = int(self.generator.integers(0, H - h + 1))
        left = int(self.generator.integers(0, W - w + 1))
        return _wrap(a[..., top : top + h, left : left + w].copy(), was_tensor)  # (..., h, w)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomShift:
    """Translate the image by a random $(\\Delta y, \\Delta x) \\in [-s, s]^2$ pixels, filling with ``fill``.

    The same as ``RandomCrop(size=(H, W), padding=s)``: the output keeps the input's shape.
    """

    def __init__(
        self, max_shift: int, fill: float = 0, generator: np.random.Generator | int | None = None
    ) -> None:
        if max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be >= 0, got {max_shift}")
        self.max_shift = int(max_shift)
        self.fill = fill
        self.generator = make_rng(generator)

    def __call__(self, x: Any) -> Any:
        a, _ = _array(x)
        _check_image("RandomShift", a)
        crop = RandomCrop(
            a.shape[-2:], padding=self.max_shift, fill=self.fill, generator=self.generator
        )
        return crop(x)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"


class RandomHorizontalFlip:
    """Mirror the image left-right (last axis) with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: np.random.Generator | int | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = make_rng(generator)

    def __call__(self, x: Any) -> Any:
        a, was_tensor = _array(x)
        _check_image("RandomHorizontalFlip", a)
        if self.generator.random() < self.p:
            return _wrap(a[..., ::-1].copy(), was_tensor)
        return x

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
