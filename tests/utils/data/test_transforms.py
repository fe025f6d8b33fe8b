"""Image transforms: shapes, dtypes, hand-computed cases, and torchvision-equivalent formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.utils.data import (
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomShift,
    ToFloat,
)


def test_to_float_hand_computed():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    y = ToFloat()(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.array([[0.0, 0.2, 1.0]], dtype=np.float32))
    assert ToFloat()(np.array([0.5])).dtype == np.float32
    with pytest.raises(TypeError, match="expected uint8 or floating images, got dtype int64"):
        ToFloat()(np.array([1, 2]))


@given(c=st.integers(1, 4), h=st.integers(1, 6), w=st.integers(1, 6), seed=st.integers(0, 1000))
def test_normalize_equals_torch_formula(c, h, w, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((c, h, w)).astype(np.float32)
    mean, std = rng.random(c).tolist(), (rng.random(c) + 0.1).tolist()
    ours = Normalize(mean, std)(x)
    theirs = (torch.tensor(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(
        -1, 1, 1
    )
    assert ours.dtype == np.float32 and ours.shape == (c, h, w)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_normalize_hand_computed_and_batches():
    x = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)]).astype(np.float32)  # (2, 2, 2)
    y = Normalize([0.5, 1.0], [0.5, 2.0])(x)
    assert y[0, 0, 0] == 1.0 and y[1, 1, 1] == 1.0
    batch = Normalize([0.5, 1.0], [0.5, 2.0])(np.stack([x, x]))  # (N, C, H, W)
    np.testing.assert_array_equal(batch[1], y)
    grey = Normalize(0.5, 0.25)(np.ones((3, 3), np.float32))  # (H, W)
    np.testing.assert_array_equal(grey, np.full((3, 3), 2.0, np.float32))
    out = Normalize([0.0], [2.0])(Tensor(np.ones((1, 2, 2), np.float32)))
    assert isinstance(out, Tensor) and out.data.max() == 0.5


@pytest.mark.parametrize(
    ("args", "x", "message"),
    [
        (
            ([0.1, 0.2], [1.0]),
            None,
            r"mean and std must be equally long 1-D, got \(2,\) and \(1,\)",
        ),
        (([0.1], [0.0]), None, r"std must be non-zero, got \[0.0\]"),
        (
            ([0.1, 0.2], [1.0, 1.0]),
            np.zeros((3, 4, 4)),
            r"2 means for 3 channels \(image shape \(3, 4, 4\)\)",
        ),
        (([0.1], [1.0]), np.zeros(4), r"at least 2 axes \(..., H, W\), got shape \(4,\)"),
    ],
)
def test_normalize_errors(args, x, message):
    with pytest.raises(ValueError, match=message):
        Normalize(*args)(x)


def test_random_crop_with_padding_covers_every_offset_and_keeps_content():
    x = np.arange(1, 17, dtype=np.uint8).reshape(1, 4, 4)
    crop = RandomCrop(4, padding=1, generator=0)
    seen = set()
    for _ in range(200):
        y = crop(x)
        assert y.shape == (1, 4, 4) and y.dtype == np.uint8
        # locate the shift: the pixel 1 (x[0, 0, 0]) moves to (1 - top, 1 - left)
        padded = np.pad(x, [(0, 0), (1, 1), (1, 1)])
        matches = [
            (t, l)
            for t in range(3)
            for l in range(3)
            if np.array_equal(padded[:, t : t + 4, l : l + 4], y)
        ]
        assert len(matches) == 1
        seen.add(matches[0])
    assert seen == {(t, l) for t in range(3) for l in range(3)}


def test_random_crop_hand_computed_window():
    x = np.arange(25, dtype=np.float32).reshape(5, 5)
    rng = np.random.default_rng(5)
    top, left = rng.integers(0, 3), rng.integers(0, 3)
    y = RandomCrop((3, 3), generator=np.random.default_rng(5))(x)
    np.testing.assert_array_equal(y, x[top : top + 3, left : left + 3])
    with pytest.raises(
        ValueError, match=r"crop size \(6, 6\) is larger than the padded image \(5, 5\)"
    ):
        RandomCrop(6)(x)


def test_random_shift_keeps_shape_and_fills_with_zeros():
    x = np.ones((3, 8, 8), np.float32)
    shift = RandomShift(2, generator=1)
    zeros = []
    for _ in range(50):
        y = shift(x)
        assert y.shape == (3, 8, 8)
        zeros.append(int((y == 0).sum()))
    assert min(zeros) == 0 and max(zeros) > 0
    assert max(zeros) <= 3 * (8 * 8 - 6 * 6)


@given(p=st.sampled_from([0.0, 1.0]), h=st.integers(1, 5), w=st.integers(1, 5))
def test_horizontal_flip_matches_torch_flip(p, h, w):
    x = np.random.default_rng(0).random((2, h, w)).astype(np.float32)
    y = RandomHorizontalFlip(p, generator=0)(x)
    expected = torch.flip(torch.tensor(x), dims=[-1]).numpy() if p == 1.0 else x
    np.testing.assert_array_equal(y, expected)


def test_horizontal_flip_probability_and_errors():
    flip = RandomHorizontalFlip(0.5, generator=np.random.default_rng(0))
    x = np.arange(4.0).reshape(1, 1, 4)
    flipped = sum(bool(flip(x)[0, 0, 0] == 3.0) for _ in range(2000))
    assert 900 < flipped < 1100
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        RandomHorizontalFlip(1.5)


def test_compose_pipeline_on_uint8_image():
    t = Compose(
        [
            RandomCrop(28, padding=2, generator=0),
            RandomHorizontalFlip(generator=0),
            ToFloat(),
            Normalize([0.5], [0.5]),
        ]
    )
    y = t(np.full((1, 28, 28), 255, np.uint8))
    assert y.shape == (1, 28, 28) and y.dtype == np.float32
    assert set(np.unique(y).tolist()) <= {-1.0, 1.0} and y.max() == 1.0
    assert "RandomCrop" in repr(t)
