"""BatchNorm1d/2d and LayerNorm against torch (train and eval, running statistics over steps),
the fused ops against their composites, finite differences and second derivatives."""

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
from tests.nn_core.nn_testing import compare_module, copy_torch_weights, dtypes, seeds

bn_options = st.fixed_dictionaries(
    {
        "momentum": st.sampled_from([0.1, 0.5, None]),
        "affine": st.booleans(),
        "track_running_stats": st.booleans(),
        "bias": st.booleans(),
    }
)


def _random_params(theirs: torch.nn.Module, seed: int) -> None:
    """Non-trivial gamma/beta and running statistics, so eval mode is a real test."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in theirs.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g))
        if getattr(theirs, "running_mean", None) is not None:
            theirs.running_mean.copy_(torch.randn(theirs.running_mean.shape, generator=g))
            theirs.running_var.copy_(torch.rand(theirs.running_var.shape, generator=g) + 0.5)


@given(n=st.integers(2, 5), c=st.integers(1, 4), length=st.sampled_from([None, 1, 3]),
       options=bn_options, dtype=dtypes, seed=seeds)  # fmt: skip
def test_batchnorm1d_train_matches_torch_over_steps(n, c, length, options, dtype, seed) -> None:
    shape = (n, c) if length is None else (n, c, length)
    ours, theirs = nn.BatchNorm1d(c, **options), torch.nn.BatchNorm1d(c, **options)
    _random_params(theirs, seed)
    x = np.random.default_rng(seed).standard_normal(shape) * 2 + 1
    compare_module(ours, theirs, x, dtype, seed, steps=3)


@given(n=st.integers(1, 3), c=st.integers(1, 3), hw=st.integers(2, 4), options=bn_options,
       dtype=dtypes, seed=seeds)  # fmt: skip
def test_batchnorm2d_train_and_eval_match_torch(n, c, hw, options, dtype, seed) -> None:
    ours, theirs = nn.BatchNorm2d(c, **options), torch.nn.BatchNorm2d(c, **options)
    _random_params(theirs, seed)
    x = np.random.default_rng(seed).standard_normal((n, c, hw, hw + 1)) * 3
    compare_module(ours, theirs, x, dtype, seed, steps=2)
    ours.eval()
    theirs.eval()
    compare_module(ours, theirs, x, dtype, seed + 1, steps=2)


def test_running_stats_cumulative_average_and_num_batches_tracked() -> None:
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    copy_torch_weights(ours, theirs, np.float64)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((4, 3)) * (i + 1) for i in range(5)]
    for x in batches:
        ours(Tensor(x))
        theirs(torch.tensor(x))
    assert int(ours.num_batches_tracked.item()) == 5 == int(theirs.num_batches_tracked)
    assert_close(ours.running_mean, np.mean([b.mean(0) for b in batches], axis=0))
    assert_close(ours.running_var, theirs.running_var)
    ours.eval()
    ours(Tensor(batches[0]))
    assert int(ours.num_batches_tracked.item()) == 5  # eval mode leaves the statistics alone
    ours.reset_running_stats()
    assert np.all(ours.running_mean.data == 0) and np.all(ours.running_var.data == 1)


def test_batchnorm_state_dict_matches_torch() -> None:
    for ours, theirs in [
        (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)),
        (nn.BatchNorm2d(2, affine=False), torch.nn.BatchNorm2d(2, affine=False)),
        (
            nn.BatchNorm1d(2, track_running_stats=False),
            torch.nn.BatchNorm1d(2, track_running_stats=False),
        ),
        (nn.LayerNorm((2, 3)), torch.nn.LayerNorm((2, 3))),
        (nn.BatchNorm1d(2, bias=False), torch.nn.BatchNorm1d(2, bias=False)),
        (nn.LayerNorm(4, bias=False), torch.nn.LayerNorm(4, bias=False)),
        (
            nn.LayerNorm(4, elementwise_affine=False),
            torch.nn.LayerNorm(4, elementwise_affine=False),
        ),
    ]:
        sd, tsd = ours.state_dict(), theirs.state_dict()
        assert list(sd) == list(tsd)
        assert all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
        assert repr(ours) == repr(theirs)


def _composite_batch_norm(x: Tensor, w: Tensor, b: Tensor, eps: float = 1e-5) -> Tensor:
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    centered = x - x.mean(axes, keepdim=True)
    x_hat = centered / ((centered * centered).mean(axes, keepdim=True) + eps).sqrt()
    return x_hat * w.reshape(shape) + b.reshape(shape)


def _composite_layer_norm(x: Tensor, w: Tensor, b: Tensor, k: int, eps: float = 1e-5) -> Tensor:
    axes = tuple(range(x.ndim - k, x.ndim))
    centered = x - x.mean(axes, keepdim=True)
    return centered / ((centered * centered).mean(axes, keepdim=True) + eps).sqrt() * w + b


def test_fused_ops_equal_composites() -> None:
    rng = np.random.default_rng(0)
    cases = [
        (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), _composite_batch_norm, (3, 2, 4), (2,)),
        (lambda x, w, b: F.layer_norm(x, (3, 4), w, b), lambda x, w, b: _composite_layer_norm(x, w, b, 2),
         (2, 3, 4), (3, 4)),
    ]  # fmt: skip
    for fused, composite, x_shape, p_shape in cases:
        tensors = [
            Tensor(rng.standard_normal(s), requires_grad=True) for s in (x_shape, p_shape, p_shape)
        ]
        g = rng.standard_normal(x_shape)
        fused(*tensors).backward(Tensor(g))
        grads = [t.grad for t in tensors]
        for t in tensors:
            t.grad = None
        assert_close(fused(*tensors), composite(*tensors))
        composite(*tensors).backward(Tensor(g))
        for ours, ref in zip(grads, [t.grad for t in tensors]):
            assert_close(ours, ref)


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_finite_differences_and_second_derivative(train: bool) -> None:
    m = nn.BatchNorm2d(2).double().train(train)
    m.running_mean.data[:] = [0.3, -0.2]
    m.running_var.data[:] = [0.5, 2.0]
    m.weight.data[:] = [1.5, -0.7]
    x = Tensor(np.random.default_rng(1).standard_normal((3, 2, 2, 2)), requires_grad=True)
    report = gradient_check(lambda x, w, b: m(x), [x, m.weight, m.bias])
    assert report.passed, str(report)
    # d/dx of a gradient norm, against torch (create_graph rebuilds x_hat from x)
    t = torch.nn.BatchNorm2d(2).double().train(train)
    t.load_state_dict({k: torch.tensor(v.data) for k, v in m.state_dict().items()})
    xt = to_torch(x)
    x.grad = None
    m.zero_grad()
    (gx,) = groundup.grad((m(x) ** 3).sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    (gxt,) = torch.autograd.grad((t(xt) ** 3).sum(), xt, create_graph=True)
    (gxt * gxt).sum().backward()
    assert_close(x.grad, xt.grad)
    assert_close(m.weight.grad, t.weight.grad)


@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=2), norm=st.lists(st.integers(3, 4), min_size=1, max_size=2),
       affine=st.booleans(), bias=st.booleans(), dtype=dtypes, seed=seeds)  # fmt: skip
def test_layernorm_matches_torch(lead, norm, affine, bias, dtype, seed) -> None:
    ours = nn.LayerNorm(norm, elementwise_affine=affine, bias=bias)
    theirs = torch.nn.LayerNorm(norm, elementwise_affine=affine, bias=bias)
    _random_params(theirs, seed)
    x = np.random.default_rng(seed).standard_normal((*lead, *norm)) * 2 + 3
    compare_module(ours, theirs, x, dtype, seed, steps=2)


def test_layernorm_finite_differences_and_second_derivative() -> None:
    m = nn.LayerNorm(4).double()
    m.weight.data[:] = [1.0, -2.0, 0.5, 3.0]
    m.bias.data[:] = [0.1, 0.2, 0.3, 0.4]
    x = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    report = gradient_check(lambda x, w, b: m(x), [x, m.weight, m.bias])
    assert report.passed, str(report)
    t = torch.nn.LayerNorm(4).double()
    t.load_state_dict({k: torch.tensor(v.data) for k, v in m.state_dict().items()})
    xt = to_torch(x)
    x.grad = None
    m.zero_grad()
    (gx,) = groundup.grad((m(x) ** 3).sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    (gxt,) = torch.autograd.grad((t(xt) ** 3).sum(), xt, create_graph=True)
    (gxt * gxt).sum().backward()
    assert_close(x.grad, xt.grad)
    assert_close(m.weight.grad, t.weight.grad)


def test_norm_errors() -> None:
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input \(got 4D input"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((2, 3, 1, 1))))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 2D"):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 3))))
    with pytest.raises(
        ValueError, match=r"running_mean should have shape \(4,\) .* 4 channels .* got \(3,\)"
    ):
        nn.BatchNorm1d(3)(Tensor(np.zeros((2, 4), dtype=np.float32)))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((1, 3), dtype=np.float32)))
    with pytest.raises(
        ValueError, match=r"input of shape \(2, 5\) does not end with normalized_shape \(4,\)"
    ):
        nn.LayerNorm(4)(Tensor(np.zeros((2, 5))))
    # a batch of one is fine in eval mode, and for layer norm
    assert nn.BatchNorm1d(3).eval()(Tensor(np.ones((1, 3), dtype=np.float32))).shape == (1, 3)
    assert nn.LayerNorm(3)(Tensor(np.ones((1, 3), dtype=np.float32))).shape == (1, 3)


def test_batchnorm_under_no_grad_still_updates_running_stats_like_torch() -> None:
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    copy_torch_weights(ours, theirs, np.float64)
    x = np.random.default_rng(5).standard_normal((6, 3)) * 2 + 1
    with groundup.no_grad():
        y = ours(Tensor(x))
    with torch.no_grad():
        yt = theirs(torch.tensor(x))
    assert_close(y, yt)
    assert_close(ours.running_mean, theirs.running_mean)
    assert_close(ours.running_var, theirs.running_var)


@given(n=st.integers(1, 3), groups_and_channels=st.sampled_from([(1, 3), (2, 4), (3, 3), (2, 6)]),
       spatial=st.lists(st.integers(1, 3), min_size=0, max_size=2), affine=st.booleans(),
       bias=st.booleans(), dtype=dtypes, seed=seeds)  # fmt: skip
def test_groupnorm_matches_torch(
    n, groups_and_channels, spatial, affine, bias, dtype, seed
) -> None:
    g, c = groups_and_channels
    if (c // g) * int(np.prod(spatial)) < 3:
        # a group of one value has no variance, and with two values the input gradient is
        # eps-sized cancellation noise in float32 (both x_hat are +-1)
        spatial = [3]
    ours, theirs = (
        nn.GroupNorm(g, c, affine=affine, bias=bias),
        torch.nn.GroupNorm(g, c, affine=affine, bias=bias),
    )
    _random_params(theirs, seed)
    x = np.random.default_rng(seed).standard_normal((n, c, *spatial)) * 2 + 1
    compare_module(ours, theirs, x, dtype, seed)
    assert repr(ours) == repr(theirs)


@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=2), norm=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       affine=st.booleans(), eps=st.sampled_from([None, 1e-6]), dtype=dtypes, seed=seeds)  # fmt: skip
def test_rmsnorm_matches_torch(lead, norm, affine, eps, dtype, seed) -> None:
    ours = nn.RMSNorm(norm, eps=eps, elementwise_affine=affine)
    theirs = torch.nn.RMSNorm(norm, eps=eps, elementwise_affine=affine)
    _random_params(theirs, seed)
    x = np.random.default_rng(seed).standard_normal((*lead, *norm)) * 2
    compare_module(ours, theirs, x, dtype, seed)
    assert repr(ours) == repr(theirs)


def test_groupnorm_rmsnorm_finite_differences_and_errors() -> None:
    rng = np.random.default_rng(6)
    gn = nn.GroupNorm(2, 4).double()
    gn.weight.data[:] = rng.standard_normal(4)
    x = Tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    report = gradient_check(lambda x, w, b: gn(x), [x, gn.weight, gn.bias])
    assert report.passed, str(report)
    rms = nn.RMSNorm(3).double()
    rms.weight.data[:] = rng.standard_normal(3)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    report = gradient_check(lambda x, w: rms(x), [x, rms.weight])
    assert report.passed, str(report)
    with pytest.raises(ValueError, match="num_channels=5 must be divisible by num_groups=2"):
        nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, 4, \*\), got \(2, 3\)"):
        nn.GroupNorm(2, 4)(Tensor(np.zeros((2, 3))))
    with pytest.raises(
        ValueError, match=r"input of shape \(2, 5\) does not end with normalized_shape \(3,\)"
    ):
        nn.RMSNorm(3)(Tensor(np.zeros((2, 5))))


def test_layernorm_create_graph_with_constant_input() -> None:
    """create_graph through the weight only: x_hat is a constant of the graph."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 4))
    m = nn.LayerNorm((3, 4)).double()
    t = torch.nn.LayerNorm((3, 4)).double()
    (gw,) = groundup.grad((m(Tensor(x)) ** 2).sum(), m.weight, create_graph=True)
    (gw * gw).sum().backward()
    (gwt,) = torch.autograd.grad((t(torch.tensor(x)) ** 2).sum(), t.weight, create_graph=True)
    (gwt * gwt).sum().backward()
    assert_close(gw, gwt)
    assert_close(m.weight.grad, t.weight.grad)
