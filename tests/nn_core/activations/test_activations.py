"""Every activation: forward and gradients equal torch's, a finite-difference check, and edge cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import groundup.nn.functional as F
from groundup import Tensor, nn
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.activations.erfc import erfc, erfc_exact
from groundup.nn_core.activations.gelu import normal_cdf
from tests.helpers import assert_close, to_torch
from tests.nn_core.nn_testing import away_from_kinks, compare_module, dtypes, seeds

# (name, our module factory, torch module factory, kinks for the finite-difference check)
CASES = [
    ("relu", lambda: nn.ReLU(), lambda: torch.nn.ReLU(), (0.0,)),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), (0.0,)),
    ("prelu", lambda: nn.PReLU(), lambda: torch.nn.PReLU(), (0.0,)),
    ("elu", lambda: nn.ELU(0.7), lambda: torch.nn.ELU(0.7), (0.0,)),
    ("sigmoid", lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), ()),
    ("logsigmoid", lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid(), ()),
    ("softplus", lambda: nn.Softplus(2.0, 3.0), lambda: torch.nn.Softplus(2.0, 3.0), (1.5,)),
    ("silu", lambda: nn.SiLU(), lambda: torch.nn.SiLU(), ()),
    ("tanh", lambda: nn.Tanh(), lambda: torch.nn.Tanh(), ()),
    ("hardtanh", lambda: nn.Hardtanh(-1.5, 0.5), lambda: torch.nn.Hardtanh(-1.5, 0.5), (-1.5, 0.5)),
    ("relu6", lambda: nn.ReLU6(), lambda: torch.nn.ReLU6(), (0.0, 6.0)),
    ("softmax", lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1), ()),
    ("log_softmax", lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0), ()),
    ("gelu", lambda: nn.GELU(), lambda: torch.nn.GELU(), ()),
    ("gelu_tanh", lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), ()),
]
IDS = [c[0] for c in CASES]
shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)


@pytest.mark.parametrize(("name", "ours", "theirs", "kinks"), CASES, ids=IDS)
@given(shape=shapes, dtype=dtypes, seed=seeds)
def test_matches_torch(name, ours, theirs, kinks, shape, dtype, seed) -> None:
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    compare_module(ours(), theirs(), x, dtype, seed)


def test_prelu_per_channel_matches_torch() -> None:
    x = np.random.default_rng(0).standard_normal((4, 3, 5))
    for dtype in (np.float32, np.float64):
        ours, theirs = nn.PReLU(3), torch.nn.PReLU(3)
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor([0.1, -0.3, 0.7]))
        compare_module(ours, theirs, x, dtype)


@pytest.mark.parametrize(("name", "ours", "theirs", "kinks"), CASES, ids=IDS)
def test_finite_differences(name, ours, theirs, kinks) -> None:
    x = np.random.default_rng(1).standard_normal((3, 4)) * 2
    x = Tensor(away_from_kinks(x, kinks), requires_grad=True)
    m = ours().double()
    params = list(m.parameters())
    report = gradient_check(lambda x, *p: m(x), [x, *params])
    assert report.passed, str(report)


def test_prelu_per_channel_finite_differences() -> None:
    m = nn.PReLU(3).double()
    m.weight.data[:] = [0.1, -0.3, 0.7]
    x = Tensor(
        away_from_kinks(np.random.default_rng(2).standard_normal((2, 3, 2))), requires_grad=True
    )
    report = gradient_check(lambda x, w: m(x), [x, m.weight])
    assert report.passed, str(report)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_derivative_matches_torch(approximate: str) -> None:
    x = np.linspace(-4, 4, 17)
    ours = Tensor(x, requires_grad=True)
    (g,) = __import__("groundup").grad(F.gelu(ours, approximate).sum(), ours, create_graph=True)
    g.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(
        torch.nn.functional.gelu(xt, approximate=approximate).sum(), xt, create_graph=True
    )
    gt.sum().backward()
    assert_close(g, gt)
    assert_close(ours.grad, xt.grad)


@given(x=hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(-30, 30)))
def test_erfc_matches_math_erfc(x: np.ndarray) -> None:
    expected = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(erfc(x), expected, rtol=1e-11, atol=1e-300)
    single = np.abs(x) < 9  # float32 erfc underflows beyond
    np.testing.assert_allclose(erfc(x[single], "single"), expected[single], rtol=3e-5)
    assert erfc(x, "single").dtype == np.float32
    np.testing.assert_allclose(erfc_exact(x), expected, rtol=1e-11, atol=1e-300)


def test_erfc_edges_and_nan() -> None:
    edges = np.array([0.0, 1e-300, 2.5 - 1e-12, 2.5, 26.0, 27.2, np.inf, -np.inf])
    expected = np.array([math.erfc(v) for v in edges])
    for fn in (erfc, erfc_exact):
        np.testing.assert_allclose(fn(edges), expected, rtol=1e-11)
        np.testing.assert_allclose(fn(-edges), 2 - expected, rtol=1e-11)
        assert np.isnan(fn(np.array([np.nan]))).all()
    assert_close(normal_cdf(Tensor(np.array([0.0, 1.0]))), np.array([0.5, 0.8413447460685429]))


def test_stability_at_extreme_inputs() -> None:
    x = Tensor(np.array([-1000.0, 1000.0]), requires_grad=True)
    F.logsigmoid(x).sum().backward()
    assert_close(F.logsigmoid(x.detach()), np.array([-1000.0, 0.0]))
    assert_close(x.grad, np.array([1.0, 0.0]))
    assert_close(F.softplus(Tensor(np.array([1000.0, -1000.0]))), np.array([1000.0, 0.0]))
    assert_close(F.softmax(Tensor(np.array([[1e4, 0.0]])), dim=1), np.array([[1.0, 0.0]]))
    assert_close(F.elu(Tensor(np.array([-1e4, 1e-10]))), np.array([-1.0, 1e-10]))
    assert np.isfinite(F.gelu(Tensor(np.array([-1e4, 1e4]))).data).all()


def test_derivative_at_zero_matches_torch() -> None:
    """At a kink the derivative is torch's choice (ReLU 0, LeakyReLU slope, Hardtanh corners 0)."""
    fns = [
        (F.relu, torch.relu),
        (lambda t: F.leaky_relu(t, 0.3), lambda t: torch.nn.functional.leaky_relu(t, 0.3)),
        (F.elu, torch.nn.functional.elu),
        (F.hardtanh, torch.nn.functional.hardtanh),
        (F.relu6, torch.nn.functional.relu6),
    ]
    x = np.array([0.0, -1.0, 1.0, 6.0])
    for ours, theirs in fns:
        a, b = Tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
        ours(a).sum().backward()
        theirs(b).sum().backward()
        assert_close(a.grad, b.grad)


def test_functional_forms_match_modules() -> None:
    x = Tensor(np.random.default_rng(3).standard_normal((2, 3)))
    w = Tensor(np.array([0.25]))
    pairs = [
        (F.relu(x), nn.ReLU()(x)),
        (F.leaky_relu(x, 0.1), nn.LeakyReLU(0.1)(x)),
        (F.prelu(x, w), nn.PReLU().double()(x)),
        (F.sigmoid(x), nn.Sigmoid()(x)),
        (F.tanh(x), nn.Tanh()(x)),
        (F.silu(x), nn.SiLU()(x)),
        (F.log_softmax(x, 1), nn.LogSoftmax(1)(x)),
        (F.gelu(x, approximate="tanh"), nn.GELU("tanh")(x)),
    ]
    for a, b in pairs:
        assert np.array_equal(a.data, b.data)


def test_softmax_implicit_dim_warns_like_torch() -> None:
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.softmax(to_torch(x))
    assert_close(y, expected)


def test_errors_name_the_problem() -> None:
    with pytest.raises(
        ValueError, match=r"weight has 3 parameters but input of shape \(2, 4\) has 4"
    ):
        F.prelu(Tensor(np.zeros((2, 4))), Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match="min_val=2 must not exceed max_val=1"):
        nn.Hardtanh(2, 1)
    with pytest.raises(IndexError, match="dim 2 is out of range for an input with 2 dimensions"):
        F.softmax(Tensor(np.zeros((2, 2))), dim=2)


def test_reprs_match_torch() -> None:
    pairs = [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.PReLU(3), torch.nn.PReLU(3)),
        (nn.ELU(), torch.nn.ELU()),
        (nn.Softplus(), torch.nn.Softplus()),
        (nn.Hardtanh(), torch.nn.Hardtanh()),
        (nn.ReLU6(), torch.nn.ReLU6()),
        (nn.Softmax(1), torch.nn.Softmax(1)),
        (nn.GELU("tanh"), torch.nn.GELU("tanh")),
        (nn.SiLU(), torch.nn.SiLU()),
    ]
    for a, b in pairs:
        assert repr(a) == repr(b)
