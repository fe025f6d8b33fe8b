"""Matrix products (1-D, 2-D, batched with broadcast batch dims) and reductions
(sum/mean/var/std/amax/amin/max/min with dim and keepdim) vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from tests.foundations.foundations_oracle import (
    DTYPES,
    broadcast_pairs,
    check_op,
    distinct,
    normal,
    seeds,
    shapes,
)
from tests.helpers import assert_close

sides = st.integers(1, 4)


@st.composite
def matmul_shapes(draw):
    """Operand shapes for ``@``: 1-D on either side, matrices, and broadcast batch dims."""
    n, k, m = draw(sides), draw(sides), draw(sides)
    batch_a, batch_b = draw(broadcast_pairs(min_dims=0, max_dims=2, max_side=3))
    kind = draw(st.sampled_from(["vv", "vm", "mv", "mm"]))
    a = (k,) if kind[0] == "v" else batch_a + (n, k)
    b = (k,) if kind[1] == "v" else batch_b + (k, m)
    return a, b


@pytest.mark.parametrize("dtype", DTYPES)
@given(ab=matmul_shapes(), seed=seeds)
def test_matmul_matches_torch(dtype, ab, seed):
    rng = np.random.default_rng(seed)
    a, b = normal(rng, ab[0]), normal(rng, ab[1])
    check_op(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], dtype, seed=seed)
    check_op(lambda x, y: x.matmul(y), torch.matmul, [a, b], dtype, [True, False], seed=seed)
    check_op(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], dtype, [False, True], seed=seed)


def test_matmul_with_arrays_and_mismatch_messages():
    rng = np.random.default_rng(0)
    w = normal(rng, (3, 2))
    check_op(lambda x: x @ w, lambda x: x @ torch.tensor(w), [normal(rng, (4, 3))])
    check_op(lambda x: w.T @ x, lambda x: torch.tensor(w.T) @ x, [normal(rng, (3, 5))])
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 2, 3\) and \(3, 3, 1\)"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 1)))
    with pytest.raises(ValueError, match=r"\(\) and \(3,\)"):
        Tensor(np.array(1.0)) @ Tensor(np.ones(3))


@st.composite
def shape_and_dims(draw, min_dims=0):
    """A shape and a ``dim`` argument: None, an int (possibly negative) or a tuple."""
    shape = draw(shapes(min_dims=min_dims))
    nd = len(shape)
    if nd == 0:
        dim = draw(st.sampled_from([None, (), 0, -1]))
    else:
        axis = st.integers(-nd, nd - 1)
        dim = draw(
            st.one_of(
                st.none(),
                st.just(()),  # an empty tuple reduces every axis, as None (PyTorch)
                axis,
                st.lists(axis, min_size=1, max_size=nd, unique_by=lambda d: d % nd).map(tuple),
            )
        )
    return shape, dim, draw(st.booleans())


def _var_dim(dim):
    # torch 2.13's var/std backward treats dim=() as "no axis" (N = 1) while its forward
    # reduces every axis; the forward (and finite differences) agree with dim=None.
    return None if dim == () else dim


REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, d, k: _torch_all(torch.sum, x, d, k)),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda x, d, k: _torch_all(torch.mean, x, d, k)),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), lambda x, d, k: _torch_all(torch.amax, x, d, k)),
    "amin": (lambda x, d, k: x.amin(d, keepdim=k), lambda x, d, k: _torch_all(torch.amin, x, d, k)),
    "var": (
        lambda x, d, k: x.var(d, keepdim=k),
        lambda x, d, k: torch.var(x, _var_dim(d), keepdim=k),
    ),
    "var0": (
        lambda x, d, k: x.var(d, correction=0, keepdim=k),
        lambda x, d, k: torch.var(x, _var_dim(d), correction=0, keepdim=k),
    ),
    "std": (
        lambda x, d, k: x.std(d, keepdim=k),
        lambda x, d, k: torch.std(x, _var_dim(d), keepdim=k),
    ),
}


def _torch_all(f, x, dim, keepdim):
    if dim is None:
        dim = tuple(range(x.ndim))
    return f(x, dim, keepdim=keepdim)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(sdk=shape_and_dims(), seed=seeds)
def test_reduction_matches_torch(name, dtype, sdk, seed):
    shape, dim, keepdim = sdk
    fn, tfn = REDUCTIONS[name]
    rng = np.random.default_rng(seed)
    x = distinct(rng, shape) if name in ("amax", "amin") else normal(rng, shape)
    if name.startswith(("var", "std")):
        n = x.size // Tensor(x).sum(dim).numel()  # elements per reduced slice
        if n < 2:  # the unbiased estimate divides by n - 1 = 0 (torch: nan, with a warning)
            return
    check_op(lambda t: fn(t, dim, keepdim), lambda t: tfn(t, dim, keepdim), [x], dtype, seed=seed)


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_share_gradient_between_ties_like_torch(name):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-1.0, 0.0, -1.0]])
    fn, tfn = REDUCTIONS[name]
    for dim in (None, 0, 1, (0, 1)):
        check_op(
            lambda t, d=dim: fn(t, d, False),
            lambda t, d=dim: tfn(t, d, False),
            [x],
            gradcheck=False,
        )
    # max()/min() over everything: the same even split
    op = getattr(Tensor, name[1:])
    check_op(lambda t: op(t), lambda t: getattr(t, name[1:])(), [x], gradcheck=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
@given(sdk=shape_and_dims(min_dims=1), seed=seeds)
def test_max_min_with_dim_return_values_and_indices(name, dtype, sdk, seed):
    shape, _, keepdim = sdk
    rng = np.random.default_rng(seed)
    dim = int(rng.integers(-len(shape), len(shape)))
    x = distinct(rng, shape)
    check_op(
        lambda t: getattr(t, name)(dim, keepdim).values,
        lambda t: getattr(t, name)(dim, keepdim).values,
        [x],
        dtype,
        seed=seed,
    )
    res = getattr(Tensor(x), name)(dim=dim, keepdim=keepdim)
    tres = getattr(torch.tensor(x), name)(dim=dim, keepdim=keepdim)
    values, indices = res  # unpacks like torch's namedtuple
    assert_close(values, tres.values)
    np.testing.assert_array_equal(indices.data, tres.indices.numpy())
    assert indices.dtype == np.int64 and not indices.requires_grad


def test_max_with_dim_gives_gradient_to_the_index_only():
    # ties along a dim: torch.max(dim) sends the gradient to the returned index only
    x = Tensor(np.array([[2.0, 5.0, 5.0], [1.0, 1.0, 0.0]]), requires_grad=True)
    to = torch.tensor(x.data, requires_grad=True)
    x.max(1).values.sum().backward()
    to.max(1).values.sum().backward()
    assert_close(x.grad, to.grad)
    assert x.argmax(1).tolist() == torch.tensor(x.data).argmax(1).tolist()
    assert (
        x.argmin(0, keepdim=True).tolist() == torch.tensor(x.data).argmin(0, keepdim=True).tolist()
    )


# ---------------------------------------------------------------- issue 24: std/var, matmul


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("unbiased", [True, False])
@given(
    shape=shapes(min_dims=2, max_dims=3, min_side=2),
    constant_rows=st.lists(st.booleans(), min_size=4, max_size=4),
    seed=seeds,
)
def test_std_var_of_constant_slices_have_zero_gradient_like_torch(
    name, unbiased, shape, constant_rows, seed
):
    # slices along the last axis that are constant: std 0, where sqrt's rule would give nan
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    mask = np.array(constant_rows[: shape[0]])
    x[mask] = 1.5
    fn = getattr(Tensor, name)
    tfn = getattr(torch.Tensor, name)
    check_op(
        lambda t: fn(t, -1, unbiased),
        lambda t: tfn(t, -1, unbiased),
        [x],
        hvp=not mask.any(),  # the second derivative of std is unbounded at 0
        gradcheck=not (mask.any() and name == "std"),  # |.|-like kink at std = 0
        seed=seed,
    )


def test_std_of_the_issue_example_and_both_keyword_spellings():
    x = Tensor(np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]), requires_grad=True)
    x.std(1).sum().backward()
    assert np.isfinite(x.grad.data).all()
    assert x.grad.data[0].tolist() == [0.0, 0.0, 0.0]
    t = torch.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype=torch.float64)
    for kwargs in ({"unbiased": False}, {"unbiased": True}, {"correction": 0}, {"correction": 2}):
        assert_close(Tensor(t.numpy()).var(1, **kwargs), t.var(1, **kwargs))
        assert_close(
            Tensor(t.numpy()).std(dim=1, keepdim=True, **kwargs),
            t.std(dim=1, keepdim=True, **kwargs),
        )
    with pytest.raises(ValueError, match="not both"):
        Tensor(t.numpy()).var(1, unbiased=True, correction=1)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((2, 3), (3,)), ((2, 3), (3, 4)), ((3,), (3, 2)), ((3,), (3,)), ((2, 2, 3), (3, 4))],
)
@pytest.mark.parametrize("tensor_on_left", [True, False])
def test_matmul_with_a_plain_numpy_operand_backward_like_torch(a_shape, b_shape, tensor_on_left):
    # the NumPy operand is a constant: backward must not call tensor methods on it
    rng = np.random.default_rng(1)
    a, b = normal(rng, a_shape), normal(rng, b_shape)
    if tensor_on_left:
        check_op(lambda x: x @ b, lambda x: x @ torch.tensor(b), [a])
        b32 = b.astype(np.float32)
        check_op(lambda x: x.matmul(b32), lambda x: x @ torch.tensor(b32), [a], np.float32)
    else:
        check_op(lambda y: a @ y, lambda y: torch.tensor(a) @ y, [b])
