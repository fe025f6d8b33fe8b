"""Shape checks and broadcasting helpers: messages, and sum_to_shape as broadcasting's adjoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup.utils.tensor_utils import (
    broadcast_shapes,
    check_ndim,
    check_same_length,
    check_same_shape,
    check_shape,
    normalize_axes,
    sum_over,
    sum_to_shape,
)


@st.composite
def broadcast_pairs(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(shape, target): ``shape`` broadcasts to ``target`` (dims set to 1, leading dims dropped)."""
    target = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    drop = draw(st.integers(0, len(target)))
    shape = tuple(1 if draw(st.booleans()) else size for size in target[drop:])
    return shape, target


@given(broadcast_pairs(), st.integers(0, 2**32 - 1))
def test_sum_to_shape_is_the_adjoint_of_broadcasting(pair, seed: int) -> None:
    shape, target = pair
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    g = rng.standard_normal(target)
    reduced = sum_to_shape(g, shape)
    assert reduced.shape == shape
    # $\langle \mathrm{broadcast}(x), g\rangle = \langle x, \mathrm{sum\_to\_shape}(g)\rangle$
    lhs = np.sum(np.broadcast_to(x, target) * g)
    rhs = np.sum(x * reduced)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)
    # PyTorch's sum_to_size is the same reduction.
    np.testing.assert_allclose(
        reduced, torch.from_numpy(g).sum_to_size(shape).numpy(), rtol=1e-12, atol=1e-12
    )


@given(broadcast_pairs(), broadcast_pairs())
def test_broadcast_shapes_matches_numpy(a, b) -> None:
    for s, t in (a, b):
        assert broadcast_shapes(s, t) == t
    try:
        expected = np.broadcast_shapes(a[0], b[0])
    except ValueError:
        with pytest.raises(ValueError, match="cannot be broadcast together"):
            broadcast_shapes(a[0], b[0])
    else:
        assert broadcast_shapes(a[0], b[0]) == expected


def test_broadcast_shapes_error_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        broadcast_shapes((2, 3), (4,))


@pytest.mark.parametrize(
    ("grad_shape", "shape"), [((2, 3), (6,)), ((3, 4), (3, 5)), ((4,), (2, 4)), ((2, 3), (2, 1, 3))]
)
def test_sum_to_shape_rejects_shapes_that_do_not_broadcast(grad_shape, shape) -> None:
    with pytest.raises(ValueError, match="cannot sum gradient of shape"):
        sum_to_shape(np.ones(grad_shape), shape)


def test_sum_to_shape_examples() -> None:
    g = np.arange(12.0).reshape(3, 4)
    assert sum_to_shape(g, (3, 1)).ravel().tolist() == [6.0, 22.0, 38.0]
    assert sum_to_shape(g, (1, 4)).ravel().tolist() == [12.0, 15.0, 18.0, 21.0]
    assert sum_to_shape(g, ()).item() == 66.0
    assert sum_to_shape(g, (3, 4)) is g  # nothing to undo: no copy


def test_check_shape_names_argument_expected_and_actual() -> None:
    check_shape("weight", np.zeros((4, 3)), (None, 3))
    with pytest.raises(ValueError, match=r"^weight: expected shape \(\*, 3\), got \(4, 2\)$"):
        check_shape("weight", np.zeros((4, 2)), (None, 3))
    with pytest.raises(ValueError, match=r"^bias: expected shape \(3,\), got \(3, 1\)$"):
        check_shape("bias", np.zeros((3, 1)), (3,))


def test_check_ndim_and_same_shape_messages() -> None:
    check_ndim("x", np.zeros((2, 2)), (2, 3))
    with pytest.raises(
        ValueError, match=r"x: expected a 2 or 3-D array, got 1-D with shape \(5,\)"
    ):
        check_ndim("x", np.zeros(5), (2, 3))
    with pytest.raises(
        ValueError, match=r"a and b must have the same shape, got \(2,\) and \(3,\)"
    ):
        check_same_shape("a", np.zeros(2), "b", np.zeros(3))


def test_check_same_length() -> None:
    assert check_same_length(X=np.zeros((5, 2)), y=np.zeros(5)) == 5
    with pytest.raises(
        ValueError,
        match=r"X, y and w must have the same length \(first dimension\), "
        r"got X of shape \(5, 2\), y of shape \(5,\) and w of shape \(4,\)",
    ):
        check_same_length(X=np.zeros((5, 2)), y=np.zeros(5), w=np.zeros(4))
    with pytest.raises(ValueError, match="y must be an array with a length, got a scalar"):
        check_same_length(X=np.zeros(3), y=np.float64(1.0))


def test_normalize_axes() -> None:
    assert normalize_axes(None, 3) == (0, 1, 2)
    assert normalize_axes((-1, 0), 3) == (0, 2)
    with pytest.raises(IndexError, match="dim 3 is out of range for a tensor with 3 dimensions"):
        normalize_axes(3, 3)


@settings(deadline=None, max_examples=60)
@given(
    shape=st.lists(st.integers(1, 40), min_size=2, max_size=4).filter(
        lambda s: 1 << 15 <= int(np.prod(s)) <= 1 << 18
    ),
    data=st.data(),
)
def test_sum_over_equals_numpy_sum_in_any_memory_order(shape, data):
    # the fast path folds rows of a channels-last array; any layout, any axes: np.sum's result
    perm = data.draw(st.permutations(range(len(shape))))
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a = a.transpose(perm)  # a view with the memory order ``perm``
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, a.ndim - 1), min_size=1))))
    expected = a.astype(np.float64).sum(axis=axes, keepdims=True)
    got = sum_over(a, axes)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_sum_over_folds_a_channels_last_gradient():
    # LeNet conv1's bias gradient: (128, 6, 28, 28) channels-last summed to (1, 6, 1, 1)
    g = np.random.default_rng(0).random((128, 28, 28, 6), dtype=np.float32).transpose(0, 3, 1, 2)
    expected = g.astype(np.float64).sum(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(sum_over(g, (0, 2, 3)), expected, rtol=1e-6)
