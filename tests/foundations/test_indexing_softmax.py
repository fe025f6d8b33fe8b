"""Indexing (basic and advanced, backward by scatter-add), gather, log_softmax/softmax
and comparisons vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from tests.foundations.foundations_oracle import DTYPES, check_op, normal, seeds, shapes
from tests.helpers import assert_close


@st.composite
def basic_index(draw, shape):
    """A basic index for ``shape``: ints (also negative), slices (with steps), None, Ellipsis."""
    items = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.integers(-n, n))
            stop = draw(st.integers(-n, n))
            step = draw(st.sampled_from([1, 2, -1]))
            items.append(slice(start, stop, step))
        else:
            items.append(slice(None))
    if items and draw(st.booleans()):  # an Ellipsis replaces a run of full slices
        k = draw(st.integers(0, len(items) - 1))
        items = items[:k] + [Ellipsis]
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_basic_indexing_matches_torch(dtype, shape, seed, data):
    x = normal(np.random.default_rng(seed), shape)
    index = data.draw(basic_index(shape))
    if 0 in np.empty(shape)[tuple(i for i in index)].shape:
        return  # torch has no negative-step slices; empty results are tested elsewhere
    tindex = tuple(
        slice(*_positive_slice(i, n)) if isinstance(i, slice) else i
        for i, n in zip(index, _sizes(index, shape))
    )
    expected = x[index]
    check_op(
        lambda t: t[index],
        lambda t: _torch_take(t, tindex, index, expected.shape),
        [x],
        dtype,
        seed=seed,
    )


def _sizes(index, shape):
    """The size each index item refers to (None and Ellipsis take none)."""
    out, k = [], 0
    for i in index:
        if i is None or i is Ellipsis:
            out.append(None)
        else:
            out.append(shape[k])
            k += 1
    return out


def _positive_slice(s, n):
    return s.indices(n)


def _torch_take(t, tindex, index, shape):
    """torch indexing has no negative steps: read with numpy's index via flip when needed."""
    if any(isinstance(i, slice) and i.step == -1 for i in index):
        # build the same selection as an index array of flat positions
        flat = np.arange(t.numel()).reshape(tuple(t.shape))[index]
        return t.reshape(-1)[torch.tensor(flat.reshape(-1).copy())].reshape(shape)
    return t[tindex]


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_advanced_indexing_with_repeats_and_masks_matches_torch(dtype, shape, seed, data):
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    n0 = shape[0]
    # integer arrays with repeats (also negative): gradients of repeated entries add up
    idx = rng.integers(-n0, n0, size=data.draw(st.integers(1, 6)))
    check_op(lambda t: t[idx], lambda t: t[torch.tensor(idx)], [x], dtype, seed=seed)
    check_op(lambda t: t[list(idx)], lambda t: t[torch.tensor(idx)], [x], dtype, seed=seed)
    check_op(lambda t: t[Tensor(idx)], lambda t: t[torch.tensor(idx)], [x], dtype, seed=seed)
    if len(shape) >= 2:
        n1 = shape[1]
        j = rng.integers(0, n1, size=idx.shape)
        check_op(lambda t: t[idx, j], lambda t: t[torch.tensor(idx), torch.tensor(j)], [x], dtype)
        k = rng.integers(0, shape[-1], size=idx.shape)
        check_op(lambda t: t[..., k], lambda t: t[..., torch.tensor(k)], [x], dtype)
        check_op(lambda t: t[1:, j], lambda t: t[1:, torch.tensor(j)], [x], dtype)
    mask = rng.random(shape) > 0.5
    check_op(lambda t: t[mask], lambda t: t[torch.tensor(mask)], [x], dtype, seed=seed)
    row_mask = rng.random(n0) > 0.3
    check_op(lambda t: t[row_mask], lambda t: t[torch.tensor(row_mask)], [x], dtype, seed=seed)


def test_nll_style_indexing_matches_torch():
    # logp[arange(N), y]: the indexing the cross-entropy of the MLP uses
    rng = np.random.default_rng(0)
    logits = normal(rng, (8, 5))
    y = rng.integers(0, 5, 8)
    check_op(
        lambda t: -t.log_softmax(-1)[np.arange(8), y].mean(),
        lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(y)),
        [logits],
    )


def test_index_errors_name_the_shape():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5]
    with pytest.raises(IndexError, match="out of range"):
        x.gather(1, np.array([[3], [0]]))
    with pytest.raises(ValueError, match="dims"):
        x.gather(1, np.array([0, 1]))


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_gather_matches_torch(dtype, shape, seed, data):
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    # index shape: <= input in every dim but ``dim``, where it may be longer (repeats)
    ishape = [int(rng.integers(1, s + 1)) for s in shape]
    ishape[dim] = int(rng.integers(1, shape[dim] + 3))
    index = rng.integers(0, shape[dim], ishape)
    check_op(
        lambda t: t.gather(dim, index),
        lambda t: t.gather(dim, torch.tensor(index)),
        [x],
        dtype,
        seed=seed,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["log_softmax", "softmax"])
@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_softmax_family_matches_torch(name, dtype, shape, seed, data):
    x = 3.0 * normal(np.random.default_rng(seed), shape)
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    check_op(
        lambda t: getattr(t, name)(dim),
        lambda t: getattr(t, name)(dim),
        [x],
        dtype,
        seed=seed,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_softmax_equals_composite_and_survives_large_inputs(dtype):
    rng = np.random.default_rng(3)
    x = normal(rng, (4, 6))
    # the fused op and the composite x - log(sum(exp(x))) agree, values and gradients
    check_op(
        lambda t: t.log_softmax(-1),
        lambda t: t - t.exp().sum(-1, keepdim=True).log(),
        [x],
        dtype,
    )
    big = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    check_op(lambda t: t.log_softmax(1), lambda t: t.log_softmax(1), [big], dtype, gradcheck=False)
    check_op(lambda t: t.softmax(1), lambda t: t.softmax(1), [big], dtype, gradcheck=False)


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_match_torch_and_carry_no_gradient(op):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, (3, 4)).astype(np.float64)
    b = rng.integers(0, 3, (1, 4)).astype(np.float64)
    x = Tensor(a, requires_grad=True)
    for other in (Tensor(b), 1.0):
        got = getattr(x, op)(other)
        want = getattr(torch.tensor(a), op)(torch.tensor(b) if isinstance(other, Tensor) else other)
        assert got.dtype == np.bool_ and not got.requires_grad and got.grad_fn is None
        np.testing.assert_array_equal(got.data, want.numpy())
    assert_close((x * (x > 1.0)).sum(), (torch.tensor(a) * (torch.tensor(a) > 1)).sum())
