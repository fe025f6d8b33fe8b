"""In-place changes and version counters (``groundup.foundations.inplace``), against PyTorch.

A tensor changed in place after backward saved it must make backward raise, never give
a silently wrong gradient; in-place ops on tensors in the graph are recorded; aliases
(``detach()``, slices, reshapes) share one version counter, as in PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor, no_grad
from groundup.foundations.autograd import increment_version
from groundup.optimization.optimizers.adam import Adam
from groundup.optimization.optimizers.sgd import SGD
from tests.helpers import assert_close

MODIFIED = "modified by an inplace operation"


def both(fn_g, fn_t):
    """Run a scenario in groundup and in PyTorch: (groundup error or None, torch error or None)."""
    errors = []
    for fn in (fn_g, fn_t):
        try:
            fn()
            errors.append(None)
        except RuntimeError as exc:
            errors.append(str(exc))
    return errors


# ---------------------------------------------------------------- the two snippets


def test_saved_input_changed_in_place_raises_like_torch():
    def g():
        a = Tensor(np.array([1.0, 2.0, 3.0]))
        w = Tensor(np.ones(3), requires_grad=True)
        y = (w * a).sum()
        a[0] = 100.0
        y.backward()

    def t():
        a = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        w = torch.ones(3, dtype=torch.float64, requires_grad=True)
        y = (w * a).sum()
        a[0] = 100.0
        y.backward()

    err_g, err_t = both(g, t)
    assert err_t is not None and MODIFIED in err_t
    assert err_g is not None and MODIFIED in err_g
    assert "is at version 1; expected version 0" in err_g
    assert "input 1 of MulBackward" in err_g


def test_saved_output_changed_through_detached_alias_raises():
    def g():
        x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
        e = x.exp()
        e.detach()[0] = 5.0
        e.sum().backward()

    def t():
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        e = x.exp()
        e.detach()[0] = 5.0
        e.sum().backward()

    err_g, err_t = both(g, t)
    assert err_t is not None and MODIFIED in err_t
    assert err_g is not None and MODIFIED in err_g
    assert "output 0 of ExpBackward" in err_g


def test_change_after_backward_is_fine_and_gradient_uses_saved_values():
    a = Tensor(np.array([1.0, 2.0, 3.0]))
    w = Tensor(np.ones(3), requires_grad=True)
    (w * a).sum().backward()
    a[0] = 100.0  # after backward: nothing saved any more needs it
    assert w.grad.tolist() == [1.0, 2.0, 3.0]


def test_only_what_backward_reads_is_checked_as_torch():
    # add saves nothing: changing an input of an add after the forward is allowed in both
    def g():
        a = Tensor(np.ones(3))
        w = Tensor(np.ones(3), requires_grad=True)
        y = ((w + a) * 2.0).sum()
        a[0] = 5.0
        y.backward()
        assert w.grad.tolist() == [2.0, 2.0, 2.0]

    def t():
        a = torch.ones(3)
        w = torch.ones(3, requires_grad=True)
        y = ((w + a) * 2.0).sum()
        a[0] = 5.0
        y.backward()

    assert both(g, t) == [None, None]


# ---------------------------------------------------------------- the GAN mistake


def _gan(lib, order_wrong: bool):
    """A linear G and D; D's optimiser steps between G's forward and G's backward (or after)."""
    rng = np.random.default_rng(0)
    wg, wd = rng.standard_normal((3, 2)), rng.standard_normal((2, 1))
    z = rng.standard_normal((4, 3))
    if lib == "groundup":
        G = Tensor(wg.copy(), requires_grad=True)
        D = Tensor(wd.copy(), requires_grad=True)
        opt_d = SGD([D], lr=0.1)
        zt = Tensor(z)
    else:
        G = torch.tensor(wg.copy(), requires_grad=True)
        D = torch.tensor(wd.copy(), requires_grad=True)
        opt_d = torch.optim.SGD([D], lr=0.1)
        zt = torch.tensor(z)
    fake = zt @ G
    loss_d = (fake.detach() @ D).sum()
    loss_g = -(fake @ D).sum()
    opt_d.zero_grad()
    loss_d.backward()
    if order_wrong:
        opt_d.step()
        loss_g.backward()
    else:
        loss_g.backward()
        opt_d.step()
    return G.grad


def test_gan_optimiser_step_before_generator_backward_raises():
    with pytest.raises(RuntimeError, match=MODIFIED):
        _gan("torch", order_wrong=True)
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        _gan("groundup", order_wrong=True)
    assert "input 1 of MatMulBackward" in str(info.value)


def test_gan_right_order_matches_torch():
    assert_close(_gan("groundup", False), _gan("torch", False))


@pytest.mark.parametrize("opt_cls", [SGD, Adam])
def test_every_optimiser_step_bumps_the_version(opt_cls):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    unused = Tensor(np.array([1.0]), requires_grad=True)
    opt = opt_cls([w, unused], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    opt.step()
    assert w._version == 2
    assert unused._version == 0  # no gradient: not updated, not bumped


def test_increment_version_is_seen_by_backward():
    w = Tensor(np.array([2.0]), requires_grad=True)
    y = (w * w).sum()
    with no_grad():
        w.data[...] = 3.0
        increment_version(w)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.backward()


# ---------------------------------------------------------------- leaves


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.zero_(),
        lambda x: x.fill_(2.0),
        lambda x: x.add_(1.0),
        lambda x: x.mul_(2.0),
        lambda x: x.copy_(x.detach() * 2),
        lambda x: x.__setitem__(0, 5.0),
        lambda x: x.__iadd__(1.0),
        lambda x: x.clamp_(0.0, 1.0),
    ],
)
def test_leaf_that_requires_grad_refuses_in_place_outside_no_grad(op):
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    message = "a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError, match=message):
        op(tx)
    with pytest.raises(RuntimeError, match=message):
        op(x)
    assert x.tolist() == [1.0, 2.0] and x._version == 0
    with no_grad(), torch.no_grad():
        op(x)
        op(tx)
    assert x.tolist() == tx.tolist()
    assert x._version == tx._version == 1
    assert x.is_leaf and x.grad_fn is None


# ---------------------------------------------------------------- aliases and versions


def test_aliases_share_the_version_counter_as_torch():
    def run(lib):
        if lib == "torch":
            base = torch.zeros(2, 3, dtype=torch.float64)
        else:
            base = Tensor(np.zeros((2, 3)))
        alias = base  # same object: += must change it in place
        d = base.detach()
        row = base[0]
        flat = base.reshape(6)
        base += 1.0
        d[1, 1] = 7.0
        row.mul_(3.0)
        flat[5] = -1.0
        versions = [t._version for t in (base, alias, d, row, flat)]
        return versions, base.tolist(), alias is base

    assert run("groundup") == run("torch")


def test_in_place_dunder_changes_the_object():
    x = Tensor(np.array([1.0, 2.0]))
    alias = x
    x += 1.0
    x *= 3.0
    x -= 1.0
    x /= 2.0
    assert alias is x
    assert x.tolist() == [2.5, 4.0]
    assert x._version == 4


def test_in_place_keeps_dtype_and_shape_like_torch():
    x = Tensor(np.array([1, 2], dtype=np.int64))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        x += 1.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.tensor([1, 2]).add_(1.5)
    y = Tensor(np.zeros(3, dtype=np.float32))
    y += np.ones(3)  # float64 operand, float32 result, as torch
    assert y.dtype == np.float32 and y.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(
        RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"
    ):
        y += np.ones((2, 3))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.zeros(3).add_(torch.ones(2, 3))


# ---------------------------------------------------------------- in place in the graph

IN_PLACE = {
    "add_": (lambda y, o: y.add_(o), True),
    "add_alpha": (lambda y, o: y.add_(o, alpha=-0.5), True),
    "sub_": (lambda y, o: y.sub_(o), True),
    "mul_": (lambda y, o: y.mul_(o), True),
    "div_": (lambda y, o: y.div_(o), True),
    "iadd": (lambda y, o: y.__iadd__(o), True),
    "imul": (lambda y, o: y.__imul__(o), True),
    "copy_": (lambda y, o: y.copy_(o), True),
    "setitem": (lambda y, o: y.__setitem__((slice(None), 0), o[:, 0]), True),
    "fill_": (lambda y, o: y.fill_(o.sum()), True),
    "clamp_": (lambda y, o: y.clamp_(-0.3, 0.4), False),
}


def _scenario(lib, name, x0, o0, r0):
    op, uses_other = IN_PLACE[name]
    if lib == "torch":
        x = torch.tensor(x0, requires_grad=True)
        o = torch.tensor(o0, requires_grad=True)
        R = torch.tensor(r0)
    else:
        x = Tensor(x0, requires_grad=True)
        o = Tensor(o0, requires_grad=True)
        R = Tensor(r0)
    y = x * 2.0 - 0.5  # a non-leaf in the graph
    before = (y * R).sum()  # recorded before the change: reaches the old y
    op(y, o)
    loss = before + (y * y * R).sum()
    loss.backward()
    grads = [x.grad.tolist(), o.grad.tolist() if uses_other and o.grad is not None else None]
    return y.tolist(), grads, y._version


@settings(deadline=None, max_examples=25)
@given(name=st.sampled_from(sorted(IN_PLACE)), seed=st.integers(0, 2**16), n=st.integers(1, 4))
def test_in_place_on_a_non_leaf_is_recorded_as_torch(name, seed, n):
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal((n, 3))
    o0 = rng.choice([-1.0, 1.0], (n, 3)) * rng.uniform(0.5, 2.0, (n, 3))
    r0 = rng.standard_normal((n, 3))
    values_g, grads_g, version_g = _scenario("groundup", name, x0, o0, r0)
    values_t, grads_t, version_t = _scenario("torch", name, x0, o0, r0)
    assert_close(np.array(values_g), np.array(values_t))
    assert_close(np.array(grads_g[0]), np.array(grads_t[0]))
    if grads_t[1] is not None:
        assert_close(np.array(grads_g[1]), np.array(grads_t[1]))
    assert version_g == version_t


def test_in_place_into_a_constant_buffer_records_the_value():
    w = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    buf = Tensor(np.zeros((3, 2)))
    buf[1] = w * 2.0
    buf[2] += w
    (buf * buf).sum().backward()
    tw = torch.tensor([3.0, -1.0], dtype=torch.float64, requires_grad=True)
    tbuf = torch.zeros(3, 2, dtype=torch.float64)
    tbuf[1] = tw * 2.0
    tbuf[2] += tw
    (tbuf * tbuf).sum().backward()
    assert_close(w.grad, tw.grad)
    assert buf.grad_fn is not None and not buf.is_leaf


def test_in_place_where_torch_raises_we_raise():
    # the output of exp is saved by its backward; changing it afterwards must raise
    def g():
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        h = x.exp()
        h.mul_(Tensor(np.array([3.0, 4.0]), requires_grad=True))
        h.sum().backward()

    def t():
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        h.mul_(torch.tensor([3.0, 4.0], requires_grad=True))
        h.sum().backward()

    err_g, err_t = both(g, t)
    assert err_t is not None and MODIFIED in err_t
    assert err_g is not None and MODIFIED in err_g


@pytest.mark.parametrize("through_alias", [False, True])
def test_in_place_on_a_slice_changes_its_base_in_the_graph_as_torch(through_alias):
    def run(lib):
        if lib == "torch":
            x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
            w = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
        else:
            x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
            w = Tensor(np.array([0.5]), requires_grad=True)
        h = x * 2.0
        early = (h * 3.0).sum()  # recorded before the change: reaches the old h
        if through_alias:
            v = h[0:2]
            v.mul_(w)
            v += 1.0
        else:
            h[1:] *= w
        (early + (h * h * h).sum()).backward()
        return h.tolist(), x.grad.tolist(), w.grad.tolist(), h._version

    g, t = run("groundup"), run("torch")
    assert g[3] == t[3]
    for a, b in zip(g[:3], t[:3]):
        assert_close(np.array(a), np.array(b))


def test_in_place_on_views_torch_refuses_or_we_do_not_support_raises_clearly():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0:1].mul_(3.0)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        torch.tensor([1.0, 2.0], requires_grad=True)[0:1].mul_(3.0)
    h = x * 2.0
    with pytest.raises(RuntimeError, match="reshape/transpose/expand"):
        h.reshape(2, 1).mul_(3.0)


# ---------------------------------------------------------------- a second backward


def test_second_backward_through_ops_that_saved_nothing_is_allowed():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    for t in (x, tx):
        y = (t + 1.0).reshape(2, 1).sum()
        y.backward()
        y.backward()
    assert x.grad.tolist() == tx.grad.tolist() == [2.0, 2.0]


def test_second_backward_through_saved_values_still_raises():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    z = x.exp().sum()
    z.backward()
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()
