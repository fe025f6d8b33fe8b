"""Finite-difference checks of the recurrent layers, the O(T) step reader, and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import Tensor, cat, grad, nn
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.recurrent.lstm_cell import LSTMPointwise
from groundup.nn_core.recurrent.recurrence import time_steps
from tests.helpers import assert_close


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.RNN(2, 3, num_layers=2, bidirectional=True, generator=np.random.default_rng(0)),
        lambda: nn.LSTM(2, 3, num_layers=2, bidirectional=True, generator=np.random.default_rng(0)),
        lambda: nn.GRU(2, 3, num_layers=2, bidirectional=True, generator=np.random.default_rng(0)),
    ],
    ids=["rnn", "lstm", "gru"],
)
def test_finite_differences_through_input_initial_state_and_weights(make):
    module = make().double()
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((4, 2, 3)) * 0.5, requires_grad=True)
    c0 = Tensor(rng.standard_normal((4, 2, 3)) * 0.5, requires_grad=True)
    w = module.weight_hh_l0_reverse
    is_lstm = isinstance(module, nn.LSTM)

    def fn(x, h0, c0, w):
        out, h_n = module(x, (h0, c0) if is_lstm else h0)
        final = h_n[1] if is_lstm else h_n
        return out.sum(dim=2) + final.sum()

    inputs = [x, h0, c0, w] if is_lstm else [x, h0, Tensor(c0.data), w]
    report = gradient_check(fn, inputs)
    assert report.passed, report


@pytest.mark.parametrize("cell", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cell_finite_differences(cell):
    module = cell(3, 2, generator=np.random.default_rng(0)).double()
    x = Tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True)

    def fn(x, w):
        out = module(x)
        return out[0] * out[1] if isinstance(out, tuple) else out

    report = gradient_check(fn, [x, module.weight_ih])
    assert report.passed, report


def test_time_steps_gradients_equal_indexing():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 2, 3))
    weights = rng.standard_normal((5, 2, 3))
    x1, x2 = Tensor(a, requires_grad=True), Tensor(a, requires_grad=True)
    # steps 1 and 3 unused: their gradient stays zero
    used = [0, 2, 4]
    sum(
        (s * Tensor(weights[t])).sum() for t, s in enumerate(time_steps(x1)) if t in used
    ).backward()
    sum((x2[t] * Tensor(weights[t])).sum() for t in used).backward()
    np.testing.assert_array_equal(x1.grad.data, x2.grad.data)
    assert not x1.grad.data[[1, 3]].any()


def test_wrong_input_size_names_expected_and_received_features():
    lstm = nn.LSTM(10, 4)
    with pytest.raises(ValueError, match=r"input has 7 features .*\(5, 2, 7\).*input_size=10"):
        lstm(Tensor(np.zeros((5, 2, 7), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"GRUCell: input has 3 features .*input_size=6"):
        nn.GRUCell(6, 4)(Tensor(np.zeros((2, 3), dtype=np.float32)))


def test_wrong_hidden_state_shape_names_expected_and_received():
    x = Tensor(np.zeros((5, 3, 2), dtype=np.float32))
    gru = nn.GRU(2, 4, num_layers=2)
    with pytest.raises(
        ValueError, match=r"GRU: expected hidden state h0 of shape \(2, 3, 4\), got \(1, 3, 4\)"
    ):
        gru(x, Tensor(np.zeros((1, 3, 4), dtype=np.float32)))
    lstm = nn.LSTM(2, 4, bidirectional=True)
    good, bad = np.zeros((2, 3, 4), np.float32), np.zeros((2, 3, 5), np.float32)
    with pytest.raises(
        ValueError, match=r"expected hidden state c0 of shape \(2, 3, 4\), got \(2, 3, 5\)"
    ):
        lstm(x, (Tensor(good), Tensor(bad)))
    with pytest.raises(ValueError, match=r"LSTM: expected hx to be a tuple \(h0, c0\)"):
        lstm(x, Tensor(good))
    with pytest.raises(
        ValueError, match=r"RNNCell: expected hidden state hx of shape \(3, 4\), got \(4,\)"
    ):
        nn.RNNCell(2, 4)(Tensor(np.zeros((3, 2), np.float32)), Tensor(np.zeros(4, np.float32)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"expected a 3-D input .* got shape \(4,\)"):
        nn.RNN(4, 2)(Tensor(np.zeros(4, dtype=np.float32)))
    with pytest.raises(ValueError, match=r"unknown nonlinearity 'sigmoid'"):
        nn.RNN(4, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\], got 1.5"):
        nn.LSTM(4, 2, dropout=1.5)
    with pytest.raises(ValueError, match=r"hidden_size=0"):
        nn.GRU(4, 0)


def _lstm_pointwise_composite(a: Tensor, c_prev: Tensor) -> Tensor:
    """The fused op's reference, as separate tensor operations."""
    H = c_prev.shape[-1]
    i, f = a[:, :H].sigmoid(), a[:, H : 2 * H].sigmoid()
    g, o = a[:, 2 * H : 3 * H].tanh(), a[:, 3 * H :].sigmoid()
    c = f * c_prev + i * g
    return cat([o * c.tanh(), c], dim=-1)


def test_fused_lstm_pointwise_equals_the_composite_to_second_order():
    rng = np.random.default_rng(0)
    a0, c0, w = (
        rng.standard_normal((3, 8)) * 2,
        rng.standard_normal((3, 2)),
        rng.standard_normal((3, 4)),
    )
    results = []
    for fn in (LSTMPointwise.apply, _lstm_pointwise_composite):
        a, c = Tensor(a0, requires_grad=True), Tensor(c0, requires_grad=True)
        out = fn(a, c)
        ga, gc = grad((out * Tensor(w)).sum(), [a, c], create_graph=True)
        ((ga**2).sum() + (gc**3).sum()).backward()
        results.append([out, ga, gc, a.grad, c.grad])
    for ours, reference in zip(*results):
        assert_close(ours, reference)
    report = gradient_check(
        LSTMPointwise.apply, [Tensor(a0, requires_grad=True), Tensor(c0, requires_grad=True)]
    )
    assert report.passed, report


def _lstm_sequence_composite(x_proj, h0, c0, w_hh, b_hh, reverse: bool) -> Tensor:
    """The fused sequence op's reference: the unrolled steps, as tensor operations."""
    from groundup.foundations.computational_graph import stack

    T, H = x_proj.shape[0], h0.shape[-1]
    h, c, hs = h0, c0, [None] * T
    for t in range(T - 1, -1, -1) if reverse else range(T):
        a = x_proj[t] + h @ w_hh.transpose(0, 1) + b_hh  # (B, 4H)
        h_c = _lstm_pointwise_composite(a, c)
        h, c = h_c[:, :H], h_c[:, H:]
        hs[t] = h
    return stack([*hs, c])  # (T + 1, B, H)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("H", [1, 3])  # H = 1: (B, 1) column views of the gates
def test_fused_lstm_sequence_equals_the_unrolled_steps_to_second_order(reverse, H):
    from groundup.nn_core.recurrent.lstm_cell import LSTMSequence

    rng = np.random.default_rng(0)
    T, B = 4, 2
    arrays = [
        rng.standard_normal((T, B, 4 * H)) * 2,
        rng.standard_normal((B, H)),
        rng.standard_normal((B, H)),
        rng.standard_normal((4 * H, H)),
        rng.standard_normal(4 * H),
    ]
    w = rng.standard_normal((T + 1, B, H))
    results = []
    for fn in (
        lambda *xs: LSTMSequence.apply(*xs, reverse=reverse),
        lambda *xs: _lstm_sequence_composite(*xs, reverse=reverse),
    ):
        xs = [Tensor(a, requires_grad=True) for a in arrays]
        out = fn(*xs)
        first = grad((out * Tensor(w)).sum(), xs, create_graph=True)
        sum((g**2).sum() for g in first).backward()
        results.append([out, *first, *(x.grad for x in xs)])
        # the plain (unrecorded) backward gives the same first derivatives
        xs = [Tensor(a, requires_grad=True) for a in arrays]
        (fn(*xs) * Tensor(w)).sum().backward()
        results[-1] += [x.grad for x in xs]
    for ours, reference in zip(*results):
        assert_close(ours, reference)
    report = gradient_check(
        lambda *xs: LSTMSequence.apply(*xs, reverse=reverse),
        [Tensor(a, requires_grad=True) for a in arrays],
    )
    assert report.passed, report
