"""Linear, Embedding, Flatten, Unflatten, Identity against torch.nn; finite differences; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import groundup
import groundup.nn.functional as F
from groundup import Tensor, nn
from groundup.foundations.gradient_check import gradient_check
from tests.helpers import assert_close, to_torch
from tests.nn_core.nn_testing import compare_module, dtypes, seeds


@given(
    batch=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    n_in=st.integers(1, 6),
    n_out=st.integers(1, 6),
    bias=st.booleans(),
    dtype=dtypes,
    seed=seeds,
)
def test_linear_matches_torch(batch, n_in, n_out, bias, dtype, seed) -> None:
    x = np.random.default_rng(seed).standard_normal((*batch, n_in))
    torch.manual_seed(seed)
    compare_module(
        nn.Linear(n_in, n_out, bias=bias), torch.nn.Linear(n_in, n_out, bias=bias), x, dtype, seed
    )


def test_linear_finite_differences() -> None:
    m = nn.Linear(3, 2, generator=np.random.default_rng(0)).double()
    x = Tensor(np.random.default_rng(1).standard_normal((2, 4, 3)), requires_grad=True)
    report = gradient_check(lambda x, w, b: m(x), [x, m.weight, m.bias])
    assert report.passed, str(report)


def test_fused_linear_equals_composite_and_is_twice_differentiable() -> None:
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    fused = F.linear(x, w, b)
    composite = x @ w.T + b
    assert_close(fused, composite)
    # gradient of a gradient norm (as in WGAN-GP) equals torch's
    (gx,) = groundup.grad((fused.tanh()).sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    xt, wt, bt = (to_torch(t) for t in (x, w, b))
    (gxt,) = torch.autograd.grad(
        torch.nn.functional.linear(xt, wt, bt).tanh().sum(), xt, create_graph=True
    )
    (gxt * gxt).sum().backward()
    assert_close(gx, gxt)
    assert_close(w.grad, wt.grad)
    assert_close(b.grad, bt.grad)


def test_linear_1d_input_and_constant_input() -> None:
    m = nn.Linear(3, 2).double()
    x = np.arange(3.0)
    y = m(Tensor(x))  # an input that does not require grad: only parameter gradients
    y.sum().backward()
    t = torch.nn.Linear(3, 2).double()
    t.load_state_dict({k: torch.tensor(v.data) for k, v in m.state_dict().items()})
    t(torch.tensor(x)).sum().backward()
    assert_close(y, t(torch.tensor(x)))
    assert_close(m.weight.grad, t.weight.grad)
    assert_close(m.bias.grad, t.bias.grad)


def test_linear_default_init_like_torch() -> None:
    m = nn.Linear(400, 300, generator=np.random.default_rng(0))
    bound = 1 / np.sqrt(400)
    assert m.weight.dtype == np.float32 and m.weight.shape == (300, 400)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    # U(-b, b) has variance b^2 / 3; 120,000 draws: the sample variance is within 1%
    assert abs(m.weight.data.var() / (bound**2 / 3) - 1) < 0.01
    assert abs(m.weight.data.mean()) < 0.01 * bound
    t = torch.nn.Linear(400, 300)
    assert abs(m.weight.data.std() - t.weight.detach().std().item()) < 0.02 * bound
    same = nn.Linear(400, 300, generator=np.random.default_rng(0))
    assert np.array_equal(same.weight.data, m.weight.data)
    assert nn.Linear(2, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_errors() -> None:
    m = nn.Linear(3, 2)
    with pytest.raises(
        ValueError,
        match=r"input of shape \(4, 5\) does not match weight of shape \(2, 3\).*in_features=3",
    ):
        m(Tensor(np.zeros((4, 5), dtype=np.float32)))
    with pytest.raises(ValueError, match="in_features=-1"):
        nn.Linear(-1, 2)


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    num=st.integers(2, 7),
    dim=st.integers(1, 4),
    padding=st.booleans(),
    dtype=dtypes,
    seed=seeds,
)
def test_embedding_matches_torch(shape, num, dim, padding, dtype, seed) -> None:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, num, size=shape)
    padding_idx = 1 if padding else None
    torch.manual_seed(seed)
    ours, theirs = (
        nn.Embedding(num, dim, padding_idx=padding_idx),
        torch.nn.Embedding(num, dim, padding_idx=padding_idx),
    )
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours.to(dtype)
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    y, yt = ours(Tensor(idx)), theirs(torch.tensor(idx))
    assert_close(y, yt)
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(Tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(ours.weight.grad, theirs.weight.grad)


def test_embedding_padding_row_zero_and_finite_differences() -> None:
    m = nn.Embedding(5, 3, padding_idx=-1, generator=np.random.default_rng(0)).double()
    assert m.padding_idx == 4 and np.all(m.weight.data[4] == 0)
    report = gradient_check(lambda w: m(np.array([[0, 3, 2], [2, 2, 1]])), [m.weight])
    assert report.passed, str(report)
    # the padding row's gradient is zero by design (not the true derivative)
    idx = np.array([[0, 4, 2], [2, 2, 1]])
    m.zero_grad()
    m(idx).sum().backward()
    assert np.all(m.weight.grad.data[4] == 0) and np.all(m.weight.grad.data[2] == 3)


def test_embedding_max_norm_and_from_pretrained() -> None:
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    ours = nn.Embedding.from_pretrained(w, freeze=False)
    ours.max_norm = 1.0
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.0)
    idx = np.array([0, 1, 0])
    assert_close(ours(idx), theirs(torch.tensor(idx)))
    assert_close(ours.weight, theirs.weight)  # rows looked up were renormalised in place
    assert not nn.Embedding.from_pretrained(w).weight.requires_grad


def test_embedding_errors() -> None:
    m = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"indices must be in \[0, 4\), got values in \[0, 7\]"):
        m(np.array([0, 7]))
    with pytest.raises(TypeError, match="indices must be integers"):
        m(np.array([0.5]))
    with pytest.raises(ValueError, match="padding_idx=9 must be within num_embeddings=4"):
        nn.Embedding(4, 2, padding_idx=9)


def test_flatten_unflatten_identity_match_torch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    for ours, theirs in [
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
        (nn.Unflatten(2, (2, 2)), torch.nn.Unflatten(2, (2, 2))),
        (nn.Unflatten(-1, (5, -1)), torch.nn.Unflatten(-1, (5, -1))),
        (nn.Identity(54, unused=True), torch.nn.Identity(54, unused=True)),
    ]:
        compare_module(ours, theirs, x, np.float64)
        assert repr(ours) == repr(theirs)
    with pytest.raises(
        ValueError, match=r"dimension 1 of size 3 .* cannot be unflattened into \(2, 2\)"
    ):
        nn.Unflatten(1, (2, 2))(Tensor(x))


def test_shape_layers_finite_differences() -> None:
    x = Tensor(np.random.default_rng(3).standard_normal((2, 3, 4)), requires_grad=True)
    for layer in (nn.Flatten(), nn.Unflatten(2, (2, 2)), nn.Identity()):
        report = gradient_check(lambda x, layer=layer: layer(x).tanh(), [x])
        assert report.passed, f"{layer}: {report}"


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_second_derivative_matches_torch(padding_idx) -> None:
    rng = np.random.default_rng(7)
    w = rng.standard_normal((5, 3))
    idx = np.array([[0, 2, 2], [4, 2, 1]])
    ours = Tensor(w.copy(), requires_grad=True)
    theirs = torch.tensor(w, requires_grad=True)
    (g,) = groundup.grad(F.embedding(idx, ours, padding_idx).tanh().sum(), ours, create_graph=True)
    (g * g).sum().backward()
    (gt,) = torch.autograd.grad(
        torch.nn.functional.embedding(torch.tensor(idx), theirs, padding_idx).tanh().sum(),
        theirs,
        create_graph=True,
    )
    (gt * gt).sum().backward()
    assert_close(g, gt)
    assert_close(ours.grad, theirs.grad)


def test_embedding_scatter_add_equals_add_at_on_many_repeats() -> None:
    rng = np.random.default_rng(8)
    idx = rng.integers(0, 7, size=(50, 9))
    g = rng.standard_normal((50, 9, 4))
    w = Tensor(np.zeros((7, 4)), requires_grad=True)
    F.embedding(idx, w).backward(Tensor(g))
    expected = np.zeros((7, 4))
    np.add.at(expected, idx, g)
    assert_close(w.grad, expected)


def test_zero_sized_linear_like_torch() -> None:
    m = nn.Linear(0, 3).double()
    assert np.all(m.bias.data == 0)  # bound 1/sqrt(0) is taken as 0, as PyTorch
    assert_close(m(Tensor(np.zeros((2, 0)))), np.zeros((2, 3)))
    assert nn.Linear(3, 0)(Tensor(np.ones((2, 3), dtype=np.float32))).shape == (2, 0)
