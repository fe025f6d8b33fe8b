"""RNN, LSTM and GRU (all options) and their cells against PyTorch's modules with the same weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor, nn
from tests.helpers import assert_close, to_torch
from tests.nn_core.recurrent.recurrent_twins import CELLS, KINDS, twins

kinds = st.sampled_from(sorted(KINDS))
dtypes = st.sampled_from([np.float32, np.float64])


def _states(kind: str, shape: tuple[int, ...], rng: np.random.Generator, dtype) -> list[Tensor]:
    n = 2 if kind == "lstm" else 1
    return [Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True) for _ in range(n)]


def _pack(kind: str, states: list):
    return tuple(states) if kind == "lstm" else states[0]


def _unpack(kind: str, hx) -> list:
    return list(hx) if kind == "lstm" else [hx]


@given(
    kind=kinds,
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    initial_state=st.booleans(),
    T=st.integers(1, 5),
    B=st.integers(1, 3),
    input_size=st.integers(1, 4),
    hidden_size=st.integers(1, 4),
    dtype=dtypes,
    seed=st.integers(0, 2**16),
)
def test_sequence_module_outputs_and_all_gradients_match_torch(
    kind, num_layers, bidirectional, batch_first, bias, initial_state, T, B, input_size,
    hidden_size, dtype, seed,
):  # fmt: skip
    ours, theirs = twins(
        KINDS, kind, dtype, seed, input_size, hidden_size, num_layers=num_layers, bias=bias,
        batch_first=batch_first, bidirectional=bidirectional,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    shape = (B, T, input_size) if batch_first else (T, B, input_size)
    x = Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    D = 2 if bidirectional else 1
    hx = _states(kind, (num_layers * D, B, hidden_size), rng, dtype) if initial_state else None
    x_t = to_torch(x)
    hx_t = [to_torch(h) for h in hx] if hx else None

    out, h_n = ours(x, _pack(kind, hx) if hx else None)
    out_t, h_n_t = theirs(x_t, _pack(kind, hx_t) if hx else None)
    assert out.shape == (B, T, D * hidden_size) if batch_first else (T, B, D * hidden_size)
    assert_close(out, out_t, msg="output")
    finals, finals_t = _unpack(kind, h_n), _unpack(kind, h_n_t)
    for a, b in zip(finals, finals_t):
        assert_close(a, b, msg="final state")

    # a loss that weighs every output and final state differently
    g_out = rng.standard_normal(out.shape).astype(dtype)
    g_fin = [rng.standard_normal(f.shape).astype(dtype) for f in finals]
    loss = (out * Tensor(g_out)).sum() + sum((f * Tensor(g)).sum() for f, g in zip(finals, g_fin))
    loss_t = (out_t * torch.tensor(g_out)).sum() + sum(
        (f * torch.tensor(g)).sum() for f, g in zip(finals_t, g_fin)
    )
    loss.backward()
    loss_t.backward()
    assert_close(x.grad, x_t.grad, msg="d/dx")
    for h, h_t in zip(hx or [], hx_t or []):
        assert_close(h.grad, h_t.grad, msg="d/dh0")
    params_t = dict(theirs.named_parameters())
    assert sorted(dict(ours.named_parameters())) == sorted(params_t)
    for name, p in ours.named_parameters():
        assert_close(p.grad, params_t[name].grad, msg=f"d/d{name}")


@given(
    kind=kinds,
    bias=st.booleans(),
    batched=st.booleans(),
    initial_state=st.booleans(),
    B=st.integers(1, 4),
    input_size=st.integers(1, 5),
    hidden_size=st.integers(1, 5),
    dtype=dtypes,
    seed=st.integers(0, 2**16),
)
def test_cells_match_torch(
    kind, bias, batched, initial_state, B, input_size, hidden_size, dtype, seed
):
    ours, theirs = twins(CELLS, kind, dtype, seed, input_size, hidden_size, bias=bias)
    rng = np.random.default_rng(seed)
    lead = (B,) if batched else ()
    x = Tensor(rng.standard_normal(lead + (input_size,)).astype(dtype), requires_grad=True)
    hx = _states(kind, lead + (hidden_size,), rng, dtype) if initial_state else None
    hx_t = [to_torch(h) for h in hx] if hx else None
    x_t = to_torch(x)
    outs = _unpack(kind, ours(x, _pack(kind, hx) if hx else None))
    outs_t = _unpack(kind, theirs(x_t, _pack(kind, hx_t) if hx else None))
    weights = [rng.standard_normal(o.shape).astype(dtype) for o in outs]
    sum((o * Tensor(w)).sum() for o, w in zip(outs, weights)).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip(outs_t, weights)).backward()
    for o, o_t in zip(outs, outs_t):
        assert_close(o, o_t, msg="cell output")
    assert_close(x.grad, x_t.grad, msg="d/dx")
    for h, h_t in zip(hx or [], hx_t or []):
        assert_close(h.grad, h_t.grad, msg="d/dhx")
    params_t = dict(theirs.named_parameters())
    assert sorted(dict(ours.named_parameters())) == sorted(params_t)
    for name, p in ours.named_parameters():
        assert_close(p.grad, params_t[name].grad, msg=f"d/d{name}")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unbatched_input_matches_torch(kind):
    ours, theirs = twins(KINDS, kind, np.float64, 3, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    hx = _states(kind, (4, 4), rng, np.float64)
    out, h_n = ours(x, _pack(kind, hx))
    out_t, h_n_t = theirs(to_torch(x), _pack(kind, [to_torch(h) for h in hx]))
    assert out.shape == (5, 8)
    assert_close(out, out_t)
    for a, b in zip(_unpack(kind, h_n), _unpack(kind, h_n_t)):
        assert_close(a, b)


def test_gru_reset_gate_multiplies_the_hidden_bias():
    """PyTorch's GRU: $n = \\tanh(a^x_n + r (W_{hn} h + b_{hn}))$; moving b_hn into b_in changes n."""
    ours, theirs = twins(CELLS, "gru", np.float64, 0, 2, 3)
    x = Tensor(np.ones((1, 2)))
    h = Tensor(np.full((1, 3), 0.5))
    before = ours(x, h).data.copy()
    assert_close(before, theirs(to_torch(x), to_torch(h)))
    moved = ours.bias_ih.data.copy()
    moved[6:] += ours.bias_hh.data[6:]
    ours.bias_ih.data, ours.bias_hh.data[6:] = moved, 0.0
    assert np.abs(ours(x, h).data - before).max() > 1e-3


def test_torch_lstm_state_dict_loads_as_is_and_trains_identically():
    """Copy a torch LSTM's state_dict, take three SGD steps with both: same weights after."""
    ours, theirs = twins(KINDS, "lstm", np.float64, 5, 4, 6, num_layers=2, batch_first=True)
    from groundup import optim

    opt, opt_t = optim.SGD(ours.parameters(), lr=0.5), torch.optim.SGD(theirs.parameters(), lr=0.5)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((3, 7, 4))
        opt.zero_grad()
        opt_t.zero_grad()
        (ours(Tensor(x))[0] ** 2).mean().backward()
        (theirs(torch.tensor(x))[0] ** 2).mean().backward()
        opt.step()
        opt_t.step()
    for name, p in theirs.state_dict().items():
        assert_close(ours.state_dict()[name], p, msg=name)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_init_is_uniform_within_one_over_sqrt_hidden_and_seeded(cls):
    a = cls(5, 16, num_layers=2, bidirectional=True, generator=np.random.default_rng(1))
    b = cls(5, 16, num_layers=2, bidirectional=True, generator=np.random.default_rng(1))
    values = np.concatenate([p.data.ravel() for p in a.parameters()])
    assert np.abs(values).max() <= 0.25  # 1/sqrt(16)
    assert values.min() < -0.2 and values.max() > 0.2  # spread over the interval, not tiny
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    assert a.weight_ih_l1_reverse.shape == (cls._gates * 16, 32)


def test_dropout_acts_between_layers_in_training_only():
    ours, theirs = twins(KINDS, "lstm", np.float64, 0, 3, 5, num_layers=2, dropout=0.5)
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    train_out = ours(Tensor(x))[0].data
    ours.eval()
    theirs.eval()
    eval_out = ours(Tensor(x))[0].data
    assert_close(eval_out, theirs(torch.tensor(x))[0])
    assert np.abs(train_out - eval_out).max() > 1e-3
    single = nn.GRU(3, 5, dropout=0.5)  # one layer: nothing between layers to drop
    assert_close(single(Tensor(x))[0], single.eval()(Tensor(x))[0])


def test_backward_twice_with_retain_graph_accumulates():
    lstm = nn.LSTM(2, 3, generator=np.random.default_rng(0)).double()
    x = Tensor(np.random.default_rng(1).standard_normal((6, 2, 2)), requires_grad=True)
    loss = (lstm(x)[0] ** 2).sum()
    loss.backward(retain_graph=True)
    once = x.grad.data.copy()
    loss.backward()
    assert_close(x.grad, 2 * once)
    assert np.abs(once).min() > 0  # every step received a gradient


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_gradient_penalty_double_backward_matches_torch(kind):
    ours, theirs = twins(KINDS, kind, np.float64, 2, 2, 3, bidirectional=True)
    x0 = np.random.default_rng(2).standard_normal((4, 2, 2))
    x, x_t = Tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    from groundup import grad

    (g,) = grad((ours(x)[0] ** 2).sum(), x, create_graph=True)
    (g_t,) = torch.autograd.grad((theirs(x_t)[0] ** 2).sum(), x_t, create_graph=True)
    (g**2).sum().backward()
    (g_t**2).sum().backward()
    assert_close(g, g_t)
    assert_close(x.grad, x_t.grad)
    assert_close(ours.weight_hh_l0.grad, theirs.weight_hh_l0.grad)
