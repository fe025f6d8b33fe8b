"""Dropout (mask statistics, scaling, eval identity, seeding, gradients) and the MLP architecture."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import groundup
import groundup.nn.functional as F
from groundup import Tensor, nn
from groundup.architectures import MLP
from groundup.foundations.gradient_check import gradient_check
from tests.helpers import assert_close
from tests.nn_core.nn_testing import compare_module, copy_torch_weights, dtypes


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_mask_statistics_and_scaling(p: float) -> None:
    n = 200_000
    y = F.dropout(Tensor(np.ones(n, dtype=np.float32)), p, generator=np.random.default_rng(0)).data
    kept = y != 0
    # the kept fraction is Binomial(n, 1-p)/n: within 5 standard errors of 1 - p
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation
    assert y.dtype == np.float32


def test_dropout_eval_identity_and_edge_probabilities() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    d = nn.Dropout(0.5)
    assert d.eval()(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).data == 0)
    with pytest.raises(ValueError, match=r"between 0 and 1, but got p=1.5"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))


def test_dropout_is_reproducible_with_a_seeded_generator() -> None:
    x = Tensor(np.ones((4, 5), dtype=np.float32))
    a = nn.Dropout(0.5, generator=np.random.default_rng(42))
    b = nn.Dropout(0.5, generator=np.random.default_rng(42))
    first = a(x).data
    assert np.array_equal(first, b(x).data)
    assert not np.array_equal(first, a(x).data)  # the generator advances
    groundup.manual_seed(3)
    c = F.dropout(x, 0.5).data
    groundup.manual_seed(3)
    assert np.array_equal(c, F.dropout(x, 0.5).data)  # the default generator is seeded too


def test_dropout_gradient_uses_the_same_mask() -> None:
    x = Tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    d = nn.Dropout(0.4, generator=np.random.default_rng(1))
    y = d(x)
    g = np.random.default_rng(2).standard_normal((3, 4))
    y.backward(Tensor(g))
    scale = y.data / x.data  # the scaled mask this call drew
    assert set(np.round(np.unique(scale), 6)) <= {0.0, round(1 / 0.6, 6)}
    assert_close(x.grad, g * scale)
    # a fixed mask makes dropout deterministic: finite differences with a re-seeded generator
    report = gradient_check(lambda x: F.dropout(x, 0.4, generator=np.random.default_rng(5)), [x])
    assert report.passed, str(report)


def test_dropout2d_drops_whole_channels() -> None:
    x = Tensor(np.ones((8, 16, 3, 3)))
    y = F.dropout2d(x, 0.5, generator=np.random.default_rng(0)).data
    per_channel = y.reshape(8, 16, 9)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each map all kept or all zero
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    with pytest.raises(ValueError, match=r"expected a 3-D or 4-D input, got shape \(2, 3\)"):
        F.dropout2d(Tensor(np.ones((2, 3))))


@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "gelu", "leaky_relu"]),
    batchnorm=st.booleans(),
    dtype=dtypes,
    seed=st.integers(0, 1000),
)
def test_mlp_matches_equivalent_torch_sequential(
    hidden, activation, batchnorm, dtype, seed
) -> None:
    acts = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "gelu": torch.nn.GELU,
        "leaky_relu": torch.nn.LeakyReLU,
    }
    torch.manual_seed(seed)
    layers, width = [], 3
    for h in hidden:
        layers += (
            [torch.nn.Linear(width, h)]
            + ([torch.nn.BatchNorm1d(h)] if batchnorm else [])
            + [acts[activation]()]
        )
        width = h
    theirs = torch.nn.Sequential(*layers, torch.nn.Linear(width, 2))
    ours = MLP(3, hidden, 2, activation=activation, batchnorm=batchnorm)
    x = np.random.default_rng(seed).standard_normal((4, 3))
    # a bias followed by batch norm has gradient 0 exactly, float32 rounding noise here
    atol = 1e-4 if batchnorm and dtype == np.float32 else None
    compare_module(ours, theirs, x, dtype, seed, steps=2, grad_atol=atol)
    ours.eval()
    theirs.eval()
    compare_module(ours, theirs, x, dtype, seed, steps=1, grad_atol=atol)


def test_mlp_layout_dropout_and_errors() -> None:
    net = MLP(4, [8, 8], 3, dropout=0.5, batchnorm=True, generator=np.random.default_rng(0))
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 2 + ["Linear"]
    x = Tensor(np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32))
    net.eval()
    assert np.array_equal(net(x).data, net(x).data)  # deterministic in eval
    net.train()
    assert not np.array_equal(net(x).data, net(x).data)  # dropout active in training
    same = MLP(4, [8, 8], 3, dropout=0.5, batchnorm=True, generator=np.random.default_rng(0))
    assert all(np.array_equal(a.data, b.data) for a, b in zip(net.parameters(), same.parameters()))
    custom = MLP(2, [3], 1, activation=lambda: nn.LeakyReLU(0.3))
    assert isinstance(custom[1], nn.LeakyReLU) and custom[1].negative_slope == 0.3
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(2, [3], 1, activation="swish")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.0"):
        MLP(2, [3], 1, dropout=1.0)


def test_mlp_checkpoint_round_trip_bit_identical(tmp_path) -> None:
    net = MLP(6, [5, 4], 3, batchnorm=True, generator=np.random.default_rng(1))
    x = Tensor(np.random.default_rng(2).standard_normal((8, 6)).astype(np.float32))
    net(x)  # update the running statistics
    net.eval()
    nn.save(net.state_dict(), tmp_path / "mlp.npz")
    other = MLP(6, [5, 4], 3, batchnorm=True, generator=np.random.default_rng(9)).eval()
    assert not np.array_equal(other(x).data, net(x).data)
    other.load_state_dict(nn.load(tmp_path / "mlp.npz"))
    assert np.array_equal(other(x).data, net(x).data)
    wrong = MLP(6, [7, 4], 3, batchnorm=True)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        wrong.load_state_dict(nn.load(tmp_path / "mlp.npz"))


def test_mlp_learns_a_nonlinear_function() -> None:
    """Plain gradient descent on XOR-like data: a linear model cannot fit it, the MLP does."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(256, 2))
    y = (np.sign(x[:, 0] * x[:, 1]) > 0).astype(np.float64)
    net = MLP(2, [16, 16], 1, activation="tanh", dtype=np.float64, generator=rng)
    xt, yt = Tensor(x), Tensor(y[:, None])
    for _ in range(300):
        logits = net(xt)
        # binary cross-entropy on logits: softplus(z) - y z
        loss = (F.softplus(logits) - yt * logits).mean()
        net.zero_grad()
        loss.backward()
        with groundup.no_grad():
            for p in net.parameters():
                p.data -= 0.5 * p.grad.data
    accuracy = ((net(xt).data[:, 0] > 0) == (y > 0)).mean()
    assert accuracy > 0.95


def test_copy_torch_weights_helper_is_exact() -> None:
    ours, theirs = (
        MLP(3, [4], 2),
        torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)),
    )
    copy_torch_weights(ours, theirs, np.float64)
    assert np.array_equal(ours[0].weight.data, theirs[0].weight.detach().numpy())
