"""Initialisers: fans and gains equal torch's, distributions within statistical tolerance, seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import nn
from groundup.nn import init

N_OUT, N_IN = 300, 200  # 60,000 draws: relative standard error of a variance ~ 0.6%


def _w(shape=(N_OUT, N_IN), dtype=np.float64) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape, dtype=dtype))


@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=5))
def test_fans_equal_torch(shape) -> None:
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(np.empty(shape)) == expected


def test_fan_needs_two_dimensions() -> None:
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions, got shape \(3,\)"):
        init._calculate_fan_in_and_fan_out(np.zeros(3))


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)],
)  # fmt: skip
def test_gains_equal_torch(nonlinearity, param) -> None:
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12
    )


def test_gain_errors() -> None:
    with pytest.raises(ValueError, match="Unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope 'a' is not a valid number"):
        init.calculate_gain("leaky_relu", "a")  # type: ignore[arg-type]


def _assert_uniform(w: np.ndarray, bound: float) -> None:
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # fills the interval
    assert abs(w.var() / (bound**2 / 3) - 1) < 0.03
    assert abs(w.mean()) < 0.02 * bound


def _assert_normal(w: np.ndarray, std: float) -> None:
    assert abs(w.std() / std - 1) < 0.015
    assert abs(w.mean()) < 0.02 * std
    # a normal, not a uniform: about 4.6% of draws beyond 2 sigma
    assert 0.035 < np.mean(np.abs(w) > 2 * std) < 0.058


def test_xavier() -> None:
    rng = np.random.default_rng(0)
    w = init.xavier_uniform_(_w(), gain=2.0, generator=rng)
    _assert_uniform(w.data, 2.0 * math.sqrt(6 / (N_IN + N_OUT)))
    w = init.xavier_normal_(_w(), gain=0.5, generator=rng)
    _assert_normal(w.data, 0.5 * math.sqrt(2 / (N_IN + N_OUT)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming(mode: str) -> None:
    rng = np.random.default_rng(1)
    fan = N_IN if mode == "fan_in" else N_OUT
    w = init.kaiming_uniform_(_w(), mode=mode, nonlinearity="relu", generator=rng)
    _assert_uniform(w.data, math.sqrt(2) * math.sqrt(3 / fan))
    w = init.kaiming_normal_(_w(), a=0.2, mode=mode, generator=rng)
    _assert_normal(w.data, math.sqrt(2 / (1 + 0.04)) / math.sqrt(fan))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_uniform_(_w(), mode="fan_avg")


def test_kaiming_uniform_matches_torch_bound_for_conv_weights() -> None:
    w = np.zeros((16, 8, 3, 3))
    init.kaiming_uniform_(w, a=math.sqrt(5), generator=np.random.default_rng(0))
    t = torch.empty(16, 8, 3, 3)
    torch.nn.init.kaiming_uniform_(t, a=math.sqrt(5))
    bound = 1 / math.sqrt(8 * 9)
    assert np.abs(w).max() <= bound and t.abs().max().item() <= bound


def test_uniform_normal_constant_and_friends() -> None:
    rng = np.random.default_rng(2)
    w = init.uniform_(_w(), -0.5, 1.5, generator=rng).data
    assert w.min() >= -0.5 and w.max() < 1.5 and abs(w.mean() - 0.5) < 0.01
    w = init.normal_(_w(), mean=3.0, std=0.5, generator=rng).data
    assert abs(w.mean() - 3.0) < 0.01 and abs(w.std() - 0.5) < 0.01
    w = init.trunc_normal_(_w(), std=1.0, a=-1.0, b=0.5, generator=rng).data
    assert w.min() >= -1.0 and w.max() <= 0.5
    # the mean of N(0,1) truncated to [-1, 0.5] is (phi(-1) - phi(0.5)) / (Phi(0.5) - Phi(-1))
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * math.erfc(-z / math.sqrt(2))  # noqa: E731
    assert abs(w.mean() - (phi(-1) - phi(0.5)) / (cdf(0.5) - cdf(-1))) < 0.01
    assert np.all(init.constant_(_w((2, 2)), 0.3).data == 0.3)
    assert np.all(init.zeros_(nn.Parameter(np.ones(3))).data == 0)
    assert np.all(init.ones_(_w((2,))).data == 1)
    assert np.array_equal(init.eye_(_w((2, 3))).data, np.eye(2, 3))
    with pytest.raises(ValueError, match="expected a <= b"):
        init.uniform_(_w(), 1.0, 0.0)


def test_orthogonal() -> None:
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        w = init.orthogonal_(_w(shape), gain=2.0, generator=np.random.default_rng(3)).data
        flat = w.reshape(shape[0], -1)
        small = min(flat.shape)
        gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
        np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)


def test_in_place_dtype_and_seeding() -> None:
    w = _w((50, 40), dtype=np.float32)
    out = init.xavier_uniform_(w, generator=np.random.default_rng(7))
    assert out is w and w.dtype == np.float32
    again = init.xavier_uniform_(_w((50, 40), dtype=np.float32), generator=np.random.default_rng(7))
    assert np.array_equal(w.data, again.data)
    other = init.xavier_uniform_(_w((50, 40), dtype=np.float32), generator=np.random.default_rng(8))
    assert not np.array_equal(w.data, other.data)
    with pytest.raises(TypeError, match="expected a Tensor or an ndarray"):
        init.zeros_([1.0, 2.0])  # type: ignore[arg-type]
