"""Movement ops vs PyTorch: reshape/view, flatten, transpose/permute, .T/.mT, expand,
squeeze/unsqueeze, cat/stack, split/chunk/unbind, pad, clone, astype."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import groundup
from groundup import Tensor
from tests.foundations.foundations_oracle import DTYPES, check_op, normal, seeds, shapes
from tests.helpers import assert_close


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(max_dims=4), seed=seeds, data=st.data())
def test_reshape_view_flatten_match_torch(dtype, shape, seed, data):
    x = normal(np.random.default_rng(seed), shape)
    perm = data.draw(st.permutations(list(shape)))
    new = tuple(perm) if perm else ()
    check_op(lambda t: t.reshape(new), lambda t: t.reshape(new), [x], dtype, seed=seed)
    check_op(lambda t: t.view(*new, 1), lambda t: t.view(*new, 1), [x], dtype, seed=seed)
    check_op(lambda t: t.reshape(-1), lambda t: t.reshape(-1), [x], dtype, seed=seed)
    nd = max(len(shape), 1)
    start = data.draw(st.integers(-nd, nd - 1))
    end = data.draw(st.integers(start % nd, nd - 1))
    check_op(
        lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), [x], dtype, seed=seed
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=2, max_dims=4), seed=seeds, data=st.data())
def test_permute_transpose_T_mT_match_torch(dtype, shape, seed, data):
    x = normal(np.random.default_rng(seed), shape)
    nd = len(shape)
    dims = data.draw(st.permutations(range(nd)))
    neg = [d - nd for d in dims]
    d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    check_op(lambda t: t.permute(*dims), lambda t: t.permute(*dims), [x], dtype, seed=seed)
    check_op(lambda t: t.permute(neg), lambda t: t.permute(neg), [x], dtype, seed=seed)
    check_op(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), [x], dtype, seed=seed)
    check_op(lambda t: t.mT, lambda t: t.mT, [x], dtype, seed=seed)
    check_op(lambda t: t.T, lambda t: t.permute(*reversed(range(nd))), [x], dtype, seed=seed)


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(max_dims=3), seed=seeds, data=st.data())
def test_expand_squeeze_unsqueeze_match_torch(dtype, shape, seed, data):
    rng = np.random.default_rng(seed)
    # put size-1 axes in the shape, then expand them (and add a leading axis)
    ones = tuple(1 if rng.random() < 0.5 else s for s in shape)
    x = normal(rng, ones)
    target = (2,) + tuple(s if o == 1 else -1 for s, o in zip(shape, ones))
    check_op(lambda t: t.expand(*target), lambda t: t.expand(*target), [x], dtype, seed=seed)
    check_op(
        lambda t: t.expand_as(Tensor(np.zeros((2,) + shape))),
        lambda t: t.expand((2,) + shape),
        [x],
        dtype,
    )
    check_op(lambda t: t.squeeze(), lambda t: t.squeeze(), [x], dtype, seed=seed)
    nd = len(ones)
    if nd:
        d = data.draw(st.integers(-nd, nd - 1))
        dims = tuple(data.draw(st.sets(st.integers(0, nd - 1), min_size=1)))
        check_op(lambda t: t.squeeze(d), lambda t: t.squeeze(d), [x], dtype, seed=seed)
        check_op(lambda t: t.squeeze(dims), lambda t: t.squeeze(dims), [x], dtype, seed=seed)
    u = data.draw(st.integers(-nd - 1, nd))
    check_op(lambda t: t.unsqueeze(u), lambda t: t.unsqueeze(u), [x], dtype, seed=seed)


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_cat_stack_match_torch(dtype, shape, seed, data):
    rng = np.random.default_rng(seed)
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for s in sizes:
        sh = list(shape)
        sh[dim] = s
        parts.append(normal(rng, sh))
    check_op(
        lambda *ts: groundup.cat(ts, dim), lambda *ts: torch.cat(ts, dim), parts, dtype, seed=seed
    )
    same = [normal(rng, shape) for _ in sizes]
    sdim = data.draw(st.integers(-nd - 1, nd))
    check_op(
        lambda *ts: groundup.stack(ts, sdim),
        lambda *ts: torch.stack(ts, sdim),
        same,
        dtype,
        seed=seed,
    )
    # only some inputs need a gradient
    rg = [i % 2 == 0 for i in range(len(parts))]
    check_op(
        lambda *ts: groundup.cat(ts, dim),
        lambda *ts: torch.cat(ts, dim),
        parts,
        dtype,
        rg,
        seed=seed,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=1, max_dims=3, max_side=6), seed=seeds, data=st.data())
def test_split_chunk_unbind_match_torch(dtype, shape, seed, data):
    x = normal(np.random.default_rng(seed), shape)
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    n = shape[dim]
    size = data.draw(st.integers(1, n))
    chunks = data.draw(st.integers(1, n))
    cut = data.draw(st.integers(0, n))

    # the pieces are weighted differently so that a mixed-up piece changes the gradient
    def joined(pieces):
        return sum((p * (i + 1.0)).sum() for i, p in enumerate(pieces))

    check_op(lambda t: joined(t.split(size, dim)), lambda t: joined(t.split(size, dim)), [x], dtype)
    check_op(
        lambda t: joined(t.split([cut, n - cut], dim)),
        lambda t: joined(t.split([cut, n - cut], dim)),
        [x],
        dtype,
    )
    check_op(
        lambda t: joined(t.chunk(chunks, dim)), lambda t: joined(t.chunk(chunks, dim)), [x], dtype
    )
    check_op(lambda t: joined(t.unbind(dim)), lambda t: joined(t.unbind(dim)), [x], dtype)
    assert [p.shape for p in Tensor(x).chunk(chunks, dim)] == [
        tuple(p.shape) for p in torch.tensor(x).chunk(chunks, dim)
    ]
    with pytest.raises(ValueError, match="do not sum"):
        Tensor(x).split([n + 1], dim)


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_pad_matches_torch(dtype, shape, seed, data):
    x = normal(np.random.default_rng(seed), shape)
    k = data.draw(st.integers(1, len(shape)))
    pads = data.draw(st.lists(st.integers(0, 2), min_size=2 * k, max_size=2 * k))
    value = data.draw(st.sampled_from([0.0, -1.5]))
    check_op(
        lambda t: groundup.pad(t, pads, value=value),
        lambda t: F.pad(t, pads, value=value),
        [x],
        dtype,
        seed=seed,
    )


def test_pad_and_reshape_errors_name_the_shapes():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="even number"):
        groundup.pad(x, [1])
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"\(2, 3\) cannot be expanded to \(2, 4\)"):
        x.expand(2, 4)
    with pytest.raises(ValueError, match="new leading dim"):
        x.expand(-1, 2, 3)
    with pytest.raises(ValueError, match="not a permutation"):
        x.permute(0, 0)
    with pytest.raises(ValueError, match=r"cat: .*\(2, 3\), \(3, 2\)"):
        groundup.cat([x, Tensor(np.zeros((3, 2)))], dim=0)
    with pytest.raises(ValueError, match="same shape"):
        groundup.stack([x, Tensor(np.zeros((3, 2)))])


def test_clone_and_astype():
    x = np.random.default_rng(0).standard_normal((3, 2))
    check_op(lambda t: t.clone() * 2.0, lambda t: t.clone() * 2.0, [x])
    c = Tensor(x).clone()
    c.data[0, 0] = 100.0
    assert x[0, 0] != 100.0  # own memory
    # float64 -> float32 -> float64 keeps the gradient flowing, cast back to each dtype
    check_op(
        lambda t: (t.astype(np.float32) * 3.0).double(),
        lambda t: (t.float() * 3.0).double(),
        [x],
        np.float64,
        gradcheck=False,
    )
    t = Tensor(x, requires_grad=True)
    y = t.float()
    assert y.dtype == np.float32 and y.requires_grad
    (y * y).sum().backward()
    assert t.grad.dtype == np.float64
    i = t.long()
    assert i.dtype == np.int64 and not i.requires_grad
    assert t.to(np.float64) is t


@pytest.mark.parametrize("how", ["unbind", "split", "chunk"])
def test_split_backward_allocates_one_gradient_not_one_per_piece(how):
    # O(T) in all: T pieces of a (T, 64) tensor must not each allocate a (T, 64) gradient
    T = 200
    x = Tensor(np.random.default_rng(0).standard_normal((T, 64)), requires_grad=True)
    pieces = {
        "unbind": lambda: x.unbind(0),
        "split": lambda: x.split(1, 0),
        "chunk": lambda: x.chunk(T, 0),
    }[how]()
    weights = np.arange(T, dtype=np.float64)
    loss = sum(p.sum() * w for p, w in zip(pieces, weights))
    tracemalloc.start()
    loss.backward()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * x.data.nbytes, (
        f"backward peaked at {peak} bytes for a {x.data.nbytes}-byte input"
    )
    assert_close(x.grad, np.repeat(weights[:, None], 64, axis=1))
    tx = torch.tensor(x.data, requires_grad=True)
    tp = {
        "unbind": lambda: tx.unbind(0),
        "split": lambda: tx.split(1, 0),
        "chunk": lambda: tx.chunk(T, 0),
    }[how]()
    sum(p.sum() * w for p, w in zip(tp, weights)).backward()
    assert_close(x.grad, tx.grad)


def test_split_pieces_share_the_version_of_the_whole():
    x = Tensor(np.zeros((3, 2)))
    a, b, _ = x.unbind(0)
    b += 1.0
    assert x._version == a._version == 1
    assert x.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
