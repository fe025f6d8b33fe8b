"""CQL: the penalty by hand and against PyTorch (values and gradients) on fixed tensors, the
whole discrete loss against a PyTorch transcription, and the conservatism it buys offline."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.nn_core.layers.linear import Linear
from groundup.rl.core.datasets import TransitionDataset, collect_transitions
from groundup.rl.offline import (
    ContinuousCQL,
    ContinuousCQLConfig,
    CQLConfig,
    DiscreteCQL,
    continuous_cql_penalty,
    cql_penalty,
    logsumexp,
)


def test_penalty_by_hand():
    q = Tensor(np.array([[1.0, 2.0, 0.0], [0.5, 0.5, 0.5]]), requires_grad=True)
    penalty = cql_penalty(q, np.array([0, 2]))
    # row 1: log(e + e^2 + 1) - 1; row 2: log(3 e^0.5) - 0.5 = log 3
    hand = (math.log(math.e + math.e**2 + 1) - 1 + math.log(3)) / 2
    assert penalty.item() == pytest.approx(hand, rel=1e-12)
    penalty.backward()
    # d/dQ = (softmax(Q) - onehot(a)) / B
    sm = np.exp([1.0, 2.0, 0.0]) / np.exp([1.0, 2.0, 0.0]).sum()
    np.testing.assert_allclose(q.grad.numpy()[0], (sm - [1, 0, 0]) / 2, rtol=1e-12)
    np.testing.assert_allclose(q.grad.numpy()[1], (np.full(3, 1 / 3) - [0, 0, 1]) / 2, rtol=1e-12)
    # the penalty is >= 0 and 0 only when one action (the data's) takes all the mass
    assert cql_penalty(Tensor(np.array([[50.0, 0.0]])), np.array([0])).item() < 1e-20


def test_logsumexp_is_stable_and_matches_torch():
    x = np.array([[1000.0, 1000.0], [-1000.0, 0.0], [3.0, -2.0]])
    t = Tensor(x, requires_grad=True)
    out = logsumexp(t, -1)
    out.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    ref = torch.logsumexp(xt, -1)
    ref.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_discrete_loss_against_a_torch_transcription():
    """The whole loss, Double-DQN Huber + alpha * penalty, on a fixed batch, with the same weights."""
    rng = np.random.default_rng(0)
    obs, next_obs = rng.standard_normal((8, 4)), rng.standard_normal((8, 4))
    actions, rewards = rng.integers(0, 2, 8), rng.standard_normal(8)
    terminated = (rng.random(8) < 0.3).astype(np.float32)
    data = collect_transitions(lambda o: 0, "CartPole-v1", num_episodes=1)
    agent = DiscreteCQL(4, 2, data, CQLConfig(alpha=0.7, hidden_sizes=(16,), gamma=0.9, seed=3))
    first = next(m for m in agent.q_target.modules() if isinstance(m, Linear))
    first.weight.data += 0.1  # target != online: Double DQN matters
    total, td, penalty = agent.loss(
        obs.astype(np.float32),
        actions,
        rewards.astype(np.float32),
        next_obs.astype(np.float32),
        terminated,
    )
    total.backward()

    def torch_net(module):
        layers = [m for m in module.modules() if isinstance(m, Linear)]
        params = [
            (
                torch.tensor(m.weight.detach().numpy(), dtype=torch.float64, requires_grad=True),
                torch.tensor(m.bias.detach().numpy(), dtype=torch.float64, requires_grad=True),
            )
            for m in layers
        ]

        def f(x):
            for k, (w, b) in enumerate(params):
                x = x @ w.T + b
                if k < len(params) - 1:
                    x = torch.relu(x)
            return x

        return f, params

    q, q_params = torch_net(agent.q)
    q_t, _ = torch_net(agent.q_target)
    o, no = torch.tensor(obs), torch.tensor(next_obs)
    with torch.no_grad():
        a_star = q(no).argmax(-1)
        y = torch.tensor(rewards) + 0.9 * (1 - torch.tensor(terminated, dtype=torch.float64)) * (
            q_t(no).gather(1, a_star[:, None]).squeeze(1)
        )
    q_all = q(o)
    q_a = q_all.gather(1, torch.tensor(actions)[:, None]).squeeze(1)
    ref_td = torch.nn.functional.smooth_l1_loss(q_a, y)
    ref_pen = (torch.logsumexp(q_all, -1) - q_a).mean()
    ref = ref_td + 0.7 * ref_pen
    ref.backward()
    np.testing.assert_allclose(td.item(), ref_td.item(), rtol=1e-5)
    np.testing.assert_allclose(penalty.item(), ref_pen.item(), rtol=1e-5)
    np.testing.assert_allclose(total.item(), ref.item(), rtol=1e-5)
    w0 = next(m for m in agent.q.modules() if isinstance(m, Linear)).weight
    np.testing.assert_allclose(w0.grad.numpy(), q_params[0][0].grad.numpy(), rtol=1e-4, atol=1e-6)


def test_continuous_penalty_against_torch():
    rng = np.random.default_rng(1)
    qs, logp, qd = rng.standard_normal((5, 6)), rng.standard_normal((5, 6)), rng.standard_normal(5)
    a, b = Tensor(qs, requires_grad=True), Tensor(qd, requires_grad=True)
    out = continuous_cql_penalty(a, logp, b)
    out.backward()
    at, bt = torch.tensor(qs, requires_grad=True), torch.tensor(qd, requires_grad=True)
    ref = torch.logsumexp(at - torch.tensor(logp), 1).mean() - bt.mean()
    ref.backward()
    assert out.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), bt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="q_samples"):
        continuous_cql_penalty(a, logp[:, :2], b)


def test_cql_pushes_down_the_actions_the_data_never_took():
    """From a deterministic controller's data, offline DQN leaves Q at the untried action
    unconstrained; CQL's penalty ranks the dataset's action clearly above it."""
    data = collect_transitions(
        lambda o: int(o[2] + 0.5 * o[3] > 0), "CartPole-v1", num_episodes=2, seed=0
    )
    idx = np.arange(len(data))
    gaps = {}
    for alpha in (0.0, 1.0):
        agent = DiscreteCQL(4, 2, data, CQLConfig(alpha=alpha, hidden_sizes=(32, 32), seed=0))
        for _ in range(300):
            stats = agent.train_step()
        assert np.isfinite(stats["loss"])
        q = agent.q(Tensor(data.observations)).detach().numpy()
        # Q(s, a_data) - Q(s, other action), averaged over the dataset
        gaps[alpha] = float((q[idx, data.actions] - q[idx, 1 - data.actions]).mean())
    assert gaps[1.0] > 0.5 and gaps[1.0] > gaps[0.0] + 0.5, gaps


def test_continuous_cql_lowers_q_on_the_data():
    data = collect_transitions(
        lambda o: np.array([-np.clip(2 * o[2], -2, 2)], np.float32),
        "Pendulum-v1",
        num_episodes=2,
        seed=0,
    )
    values = {}
    for alpha in (0.0, 5.0):
        cfg = ContinuousCQLConfig(alpha=alpha, hidden_sizes=(32, 32), batch_size=64, seed=0)
        agent = ContinuousCQL(3, 1, -2.0, 2.0, data, cfg)
        for _ in range(150):
            stats = agent.train_step()
        assert all(np.isfinite(v) for v in stats.values())
        values[alpha] = agent.q_on_data()
    assert values[5.0] < values[0.0]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="alpha"):
        CQLConfig(alpha=-1)
    with pytest.raises(ValueError, match=r"q_all of shape \(B, A\)"):
        cql_penalty(Tensor(np.zeros((3, 2))), np.zeros(2, int))
    data = collect_transitions(lambda o: np.zeros(1, np.float32), "Pendulum-v1", num_episodes=1)
    assert isinstance(data, TransitionDataset)
    with pytest.raises(ValueError, match="integer"):
        DiscreteCQL(3, 2, data)
