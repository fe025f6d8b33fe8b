"""Engine semantics, the PyTorch contract: accumulation, reuse, broadcasting, retain_graph,
error messages, deep graphs, grad modes, detach/retain_grad, dtypes, grad() and
second derivatives of a whole network."""

from __future__ import annotations

import gc
import operator
import sys
import weakref

import numpy as np
import pytest
import torch

import groundup
from groundup import Tensor
from tests.helpers import assert_close, to_torch


def test_gradients_accumulate_across_backward_calls():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    xt = to_torch(x)
    for _ in range(2):
        (x * x * x).sum().backward()
        (xt * xt * xt).sum().backward()
    assert_close(x.grad, xt.grad)
    assert_close(x.grad, 2 * 3 * x.data**2)


def test_reused_non_leaf_gets_all_its_gradient():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = a + a
    c = b + b
    c.sum().backward()
    assert a.grad.tolist() == [4.0, 4.0]
    # a non-leaf used by several consumers with different local derivatives
    a.grad = None
    b = a * 3.0
    (b * b + b.exp() - b).sum().backward()
    at = to_torch(a)
    bt = at * 3.0
    (bt * bt + bt.exp() - bt).sum().backward()
    assert_close(a.grad, at.grad)


def test_broadcast_3x1_plus_1x4_matches_torch():
    a = Tensor(np.arange(3.0).reshape(3, 1), requires_grad=True)
    b = Tensor(np.arange(4.0).reshape(1, 4), requires_grad=True)
    at, bt = to_torch(a), to_torch(b)
    w = np.arange(12.0).reshape(3, 4)
    ((a + b) * Tensor(w)).sum().backward()
    ((at + bt) * torch.tensor(w)).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    assert_close(a.grad, at.grad)
    assert_close(b.grad, bt.grad)


def test_backward_twice_needs_retain_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    assert_close(x.grad, 2 * first)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_on_non_scalar_needs_a_gradient():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2, 3\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    assert x.grad.tolist() == [[1.0] * 3] * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(1)).backward()


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a**b,
        groundup.maximum,
        groundup.minimum,
    ],
)
def test_broadcast_mismatch_names_both_shapes(op):
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))
    with pytest.raises(ValueError, match=r"\(2,\), \(3,\)"):
        groundup.where(np.ones(2, bool), Tensor(np.ones(3)), 0.0)


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(5, 3\) and \(4, 2\)"):
        Tensor(np.ones((5, 3))) @ Tensor(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        Tensor(np.ones(3)) @ Tensor(np.ones(4))


def test_chain_of_100000_ops_has_no_recursion_limit_and_is_freed():
    limit = sys.getrecursionlimit()
    a = Tensor(np.zeros(1), requires_grad=True)
    b = a
    for _ in range(50_000):
        b = b * 1.0 + 1.0  # two recorded operations per step: 100,000 in all
    probe = weakref.ref(b.grad_fn)
    b.backward()
    assert a.grad.tolist() == [1.0] and b.item() == 50_000.0
    assert sys.getrecursionlimit() == limit
    del b
    gc.collect()
    assert probe() is None  # the whole graph was freed (no crash on deallocation)


def test_grad_modes_as_context_managers_and_decorators():
    x = Tensor(np.ones(2), requires_grad=True)
    with groundup.no_grad():
        assert not (x * 2).requires_grad
        with groundup.enable_grad():
            assert (x * 2).requires_grad
        assert not groundup.is_grad_enabled()
    assert groundup.is_grad_enabled()
    with groundup.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert groundup.is_grad_enabled()

    @groundup.no_grad()
    def recursive(n):
        return recursive(n - 1) if n else (x * 2).requires_grad

    assert recursive(3) is False and groundup.is_grad_enabled()

    @groundup.set_grad_enabled(False)
    def off():
        return (x * 2).requires_grad

    assert groundup.is_grad_enabled()  # decorating does not switch the mode
    assert off() is False and groundup.is_grad_enabled()

    @groundup.enable_grad()
    def on():
        return (x * 2).requires_grad

    with groundup.no_grad():
        assert on() is True
        assert not groundup.is_grad_enabled()
    groundup.set_grad_enabled(False)  # as a plain call it switches at once
    try:
        assert not groundup.is_grad_enabled()
    finally:
        groundup.set_grad_enabled(True)
    # an exception inside the block still restores the mode
    with pytest.raises(KeyError), groundup.no_grad():
        raise KeyError
    assert groundup.is_grad_enabled()


def test_detach_and_retain_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.data, y.data)
    y.retain_grad()
    z = y * y + d
    z.sum().backward()
    assert_close(y.grad, 2 * y.data)
    assert_close(x.grad, 3 * 2 * y.data)
    w = x * 2.0
    (w * w).sum().backward()
    assert w.grad is None  # not retained
    assert x.is_leaf and not y.is_leaf


def test_requires_grad_on_integer_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="floating point"):
        Tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(TypeError, match="floating point"):
        Tensor(np.array([1, 2])).requires_grad_()


def test_float32_stays_float32_with_python_scalars():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = (2.0 * x + 1 - x / 3.0) ** 2 * 0.5
    y = y.mean() + y.var() + y.sqrt().sum() + (x - 1.5).abs().max() + y.std()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    assert Tensor([1.0, 2.0]).dtype == np.float32  # Python floats become float32
    assert Tensor(np.float64(1.0)).dtype == np.float64  # NumPy values keep their dtype


def test_grad_function_matches_torch_and_leaves_grad_alone():
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    wt, xt = to_torch(w), to_torch(x)
    h = (x @ w).tanh()
    loss = (h * h).sum()
    gw, gh = groundup.grad(loss, [w, h])
    twh = (xt @ wt).tanh()
    tgw, tgh = torch.autograd.grad((twh * twh).sum(), [wt, twh])
    assert_close(gw, tgw)
    assert_close(gh, tgh)
    assert w.grad is None and x.grad is None and h.grad is None
    unused = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        groundup.grad((x * 2).sum(), [unused])
    assert groundup.grad((x * 2).sum(), [unused], allow_unused=True) == (None,)


def test_hessian_vector_product_of_an_mlp_loss_matches_torch():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 4))
    y = rng.integers(0, 3, 6)
    params = [rng.standard_normal(s) * 0.5 for s in [(4, 5), (5,), (5, 3), (3,)]]
    vs = [rng.standard_normal(p.shape) for p in params]

    def loss_fn(W1, b1, W2, b2, lib):
        h = lib.tanh(X_ @ W1 + b1) if lib is torch else (X_ @ W1 + b1).tanh()
        logp = (h @ W2 + b2).log_softmax(-1)
        return -logp[np.arange(6), y].mean() + (W1 * W1).sum() * 0.01

    ps = [Tensor(p, requires_grad=True) for p in params]
    X_ = Tensor(X)
    gs = groundup.grad(loss_fn(*ps, None), ps, create_graph=True)
    hv = groundup.grad(sum((g * Tensor(v)).sum() for g, v in zip(gs, vs)), ps)

    pts = [torch.tensor(p, requires_grad=True) for p in params]
    X_ = torch.tensor(X)
    tgs = torch.autograd.grad(loss_fn(*pts, torch), pts, create_graph=True)
    thv = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(tgs, vs)), pts)
    for g, tg in zip(gs, tgs):
        assert_close(g, tg.detach())
    for h, th in zip(hv, thv):
        assert_close(h, th)


def test_backward_with_create_graph_gives_second_derivative():
    x = Tensor(np.array([0.3, -1.2]), requires_grad=True)
    y = (x**3).sum()
    y.backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert_close(x.grad, 6 * x.data)  # d/dx 3x^2


def test_backward_frees_intermediates_even_while_the_loss_is_kept():
    # keeping `loss` (e.g. in a list of losses) must not keep the graph's arrays alive
    x = Tensor(np.ones(3), requires_grad=True)
    h = x * 2.0
    probe = weakref.ref(h)
    loss = (h * h).sum()
    del h
    loss.backward()
    gc.collect()
    assert probe() is None and loss.item() == 12.0
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_grad_of_several_outputs_and_backward_inputs_match_torch():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    xt = to_torch(x)
    y1, y2 = x.tanh(), (x * x).sum()
    g1 = rng.standard_normal((3, 2))
    (got,) = groundup.grad([y1, y2], [x], [Tensor(g1), None])
    (want,) = torch.autograd.grad([xt.tanh(), (xt * xt).sum()], [xt], [torch.tensor(g1), None])
    assert_close(got, want)
    with pytest.raises(RuntimeError, match=r"input 0 \(shape \(2,\)\) does not require grad"):
        groundup.grad((x * 2).sum(), [Tensor(np.ones(2))])
    # backward(inputs=...): only those get a .grad, a non-leaf included
    w = Tensor(rng.standard_normal(2), requires_grad=True)
    h = x * w
    (h * h).sum().backward(inputs=[h, w])
    wt = to_torch(w)
    ht = xt * wt
    ht.retain_grad()
    (ht * ht).sum().backward()
    assert x.grad is None
    assert_close(h.grad, ht.grad)
    assert_close(w.grad, wt.grad)


# ---------------------------------------------------------------- data and dtypes at the edges


@pytest.mark.parametrize(
    "data, error, words",
    [
        (["a", "b"], TypeError, "strings"),
        (np.array([1 + 2j]), TypeError, "complex"),
        (np.array([None, 1.0], dtype=object), TypeError, "Python objects"),
        ([1.0, "a"], TypeError, "strings"),
        ([[1.0, 2.0], [3.0]], ValueError, "ragged"),
        ([[[1.0], [2.0]], [[3.0]]], ValueError, "ragged"),
    ],
)
def test_construction_refuses_what_is_not_numbers_with_a_clear_error(data, error, words):
    with pytest.raises(error, match=words):
        Tensor(data)
    if words != "complex":  # torch refuses these too (it has complex tensors; groundup has not)
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            torch.tensor(data)


TORCH_DTYPES = {
    np.bool_: torch.bool,
    np.int32: torch.int32,
    np.int64: torch.int64,
    np.float32: torch.float32,
    np.float64: torch.float64,
}


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv])
@pytest.mark.parametrize("da", sorted(TORCH_DTYPES, key=str))
@pytest.mark.parametrize("db", sorted(TORCH_DTYPES, key=str))
@pytest.mark.parametrize("b_dims", [0, 1])
def test_elementwise_result_dtype_follows_torch(op, da, db, b_dims):
    if op is operator.sub and np.bool_ in (da, db):
        return  # torch refuses bool subtraction; NumPy's is tested elsewhere
    a = np.array([1, 2, 3]).astype(da)
    b = (np.array([2, 1, 1])[: b_dims or None] if b_dims else np.array(2)).astype(db)
    out = op(Tensor(a), Tensor(b))
    ref = op(torch.tensor(a), torch.tensor(b))
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", "")), (da, db, b_dims)
    assert_close(out, ref.double() if ref.dtype == torch.bool else ref)


@pytest.mark.parametrize("scalar", [2, 2.5, True, np.float64(2.5), np.int64(2)])
@pytest.mark.parametrize("dtype", [np.int64, np.float32])
def test_python_and_numpy_scalars_promote_as_torch(scalar, dtype):
    t = Tensor(np.array([1, 2], dtype=dtype))
    ref = torch.tensor(np.array([1, 2], dtype=dtype)) * (
        scalar.item() if isinstance(scalar, np.generic) else scalar
    )
    assert (t * scalar).dtype == np.dtype(str(ref.dtype).replace("torch.", ""))


def test_matmul_of_different_dtypes_raises_as_torch():
    a32 = np.ones((2, 3), dtype=np.float32)
    b64 = np.ones((3, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.tensor(a32) @ torch.tensor(b64)
    with pytest.raises(
        RuntimeError,
        match=r"same dtype, but got float32 and float64 \(shapes \(2, 3\) and \(3, 2\)\)",
    ):
        Tensor(a32) @ Tensor(b64)
    with pytest.raises(RuntimeError, match="same dtype"):
        Tensor(a32) @ b64  # a NumPy operand as well
    with pytest.raises(RuntimeError, match="same dtype"):
        Tensor(np.ones((2, 3), dtype=np.int64)) @ Tensor(b64)
    assert (Tensor(a32) @ Tensor(b64.astype(np.float32))).dtype == np.float32


def test_a_promoted_gradient_is_cast_back_to_its_input_dtype_as_torch():
    # float32 x times a float64 array is float64 (PyTorch's promotion of two n-d operands);
    # the gradient that reaches x, and the layer below it, is float32 again.
    from groundup.nn_core.layers.linear import Linear

    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2))
    layer = Linear(4, 2, generator=0)
    x = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = layer(x) * w  # float32 (3, 2) * float64 (3, 2)
    assert y.dtype == np.float64
    y.sum().backward()
    tl = torch.nn.Linear(4, 2)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.data))
        tl.bias.copy_(torch.tensor(layer.bias.data))
    tx = torch.tensor(x.data, requires_grad=True)
    (tl(tx) * torch.tensor(w)).sum().backward()
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.data, tl.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
