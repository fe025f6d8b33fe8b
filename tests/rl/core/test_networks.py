"""Policy and value networks: output shapes (never (B, 1) against (B,)), the PPO
initialisation, squashing bounds, and target networks (hard copy, Polyak average)."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import Tensor
from groundup.optim import Adam
from groundup.rl.core import (
    CategoricalPolicy,
    ContinuousQFunction,
    DeterministicPolicy,
    GaussianPolicy,
    QFunction,
    SquashedGaussianPolicy,
    TwinQFunction,
    ValueFunction,
    hard_update,
    orthogonal_init_,
    polyak_update,
)

rng = np.random.default_rng


def sd(module):
    """The state dict as plain arrays (copies)."""
    return {
        k: np.array(v.detach().numpy() if isinstance(v, Tensor) else v)
        for k, v in module.state_dict().items()
    }


def obs(B=5, d=3):
    return Tensor(rng(0).normal(size=(B, d)).astype(np.float32))


def test_critics_return_one_value_per_row():
    assert ValueFunction(3, generator=rng(0))(obs()).shape == (5,)
    assert QFunction(3, 4, generator=rng(0))(obs()).shape == (5, 4)
    a = Tensor(np.zeros((5, 2), np.float32))
    assert ContinuousQFunction(3, 2, (16,), generator=rng(0))(obs(), a).shape == (5,)
    q1, q2 = TwinQFunction(3, 2, (16,), generator=rng(0))(obs(), a)
    assert q1.shape == q2.shape == (5,)
    assert not np.allclose(q1.detach().numpy(), q2.detach().numpy())  # two independent critics


def test_shape_errors_name_the_network():
    with pytest.raises(
        ValueError, match=r"ValueFunction: observations must have shape \(\.\.\., 3\)"
    ):
        ValueFunction(3)(Tensor(np.zeros((5, 4), np.float32)))
    with pytest.raises(ValueError, match=r"action must have shape \(5, 2\)"):
        ContinuousQFunction(3, 2)(obs(), Tensor(np.zeros((5, 1), np.float32)))


def test_orthogonal_init_gains_and_zero_biases():
    pi = CategoricalPolicy(3, 2, hidden_sizes=(64, 64), generator=rng(0))
    w0 = pi.net[0].weight.detach().numpy()
    # orthogonal rows scaled by sqrt(2): W W^T = 2 I (64 rows, 3 columns: the columns are orthogonal)
    np.testing.assert_allclose(w0.T @ w0, 2 * np.eye(3), atol=1e-5)
    head = pi.net[-1].weight.detach().numpy()
    np.testing.assert_allclose(head @ head.T, 1e-4 * np.eye(2), atol=1e-7)
    assert all(np.all(m.bias.detach().numpy() == 0) for m in (pi.net[0], pi.net[2], pi.net[4]))
    # so the first policy is close to uniform
    np.testing.assert_allclose(pi(obs()).probs.detach().numpy(), 0.5, atol=0.02)


def test_gaussian_policy_has_a_learned_state_independent_log_std():
    pi = GaussianPolicy(3, 2, log_std_init=-0.5, generator=rng(0))
    d = pi(obs())
    assert d.mean.shape == (5, 2)
    np.testing.assert_allclose(d.std.detach().numpy(), np.exp(-0.5), rtol=1e-6)
    d.log_prob(np.zeros((5, 2), np.float32)).sum().backward()
    assert pi.log_std.grad is not None and np.all(pi.log_std.grad.detach().numpy() != 0)


def test_squashed_policy_actions_stay_in_the_box_and_log_std_is_clipped():
    pi = SquashedGaussianPolicy(
        3,
        2,
        low=-2.0,
        high=2.0,
        hidden_sizes=(16,),
        log_std_min=-5,
        log_std_max=2,
        generator=rng(0),
    )
    big = Tensor((100 * rng(1).normal(size=(50, 3))).astype(np.float32))
    d = pi(big)
    assert (
        d.base.log_std.detach().numpy().min() >= -5 and d.base.log_std.detach().numpy().max() <= 2
    )
    a, logp = d.rsample(rng(2))
    assert np.all(np.abs(a.detach().numpy()) <= 2.0) and np.isfinite(logp.detach().numpy()).all()


def test_deterministic_policy_maps_into_the_box():
    mu = DeterministicPolicy(3, 1, low=-2.0, high=2.0, hidden_sizes=(16,), generator=rng(0))
    a = mu(Tensor((100 * rng(1).normal(size=(50, 3))).astype(np.float32))).detach().numpy()
    assert a.shape == (50, 1) and np.all(np.abs(a) <= 2.0)


def test_hard_target_copy_is_unchanged_between_syncs():
    q = QFunction(3, 2, (16,), generator=rng(0))
    target = hard_update(QFunction(3, 2, (16,), generator=rng(1)), q)
    before = sd(target)
    opt = Adam(q.parameters(), lr=1e-2)
    for _ in range(3):
        opt.zero_grad()
        (q(obs()) ** 2).mean().backward()
        opt.step()
    after = sd(target)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert not np.array_equal(sd(q)["net.0.weight"], before["net.0.weight"])
    hard_update(target, q)
    assert all(np.array_equal(sd(q)[k], sd(target)[k]) for k in before)


def test_polyak_update_formula():
    src = ValueFunction(3, (4,), generator=rng(0))
    tgt = ValueFunction(3, (4,), generator=rng(1))
    s0 = sd(src)
    t0 = sd(tgt)
    polyak_update(tgt, src, tau=0.005)
    for k in t0:
        np.testing.assert_allclose(sd(tgt)[k], 0.005 * s0[k] + 0.995 * t0[k], rtol=1e-6, atol=1e-7)
    polyak_update(tgt, src, tau=1.0)
    for k in t0:
        np.testing.assert_allclose(sd(tgt)[k], s0[k], rtol=1e-6)
    with pytest.raises(ValueError, match="tau must be in"):
        polyak_update(tgt, src, tau=1.5)


def test_target_updates_refuse_mismatched_networks():
    with pytest.raises(ValueError, match="shape"):
        hard_update(ValueFunction(3, (4,)), ValueFunction(3, (5,)))


def test_orthogonal_init_is_seeded():
    a = orthogonal_init_(ValueFunction(3, (8,), generator=rng(0)), generator=rng(5))
    b = orthogonal_init_(ValueFunction(3, (8,), generator=rng(1)), generator=rng(5))
    assert all(np.array_equal(sd(a)[k], sd(b)[k]) for k in a.state_dict())


def test_policy_for_picks_the_distribution_from_the_action_space():
    import gymnasium as gym

    from groundup.rl.core import clip_to_space, policy_for

    obs = gym.spaces.Box(-1, 1, (3,), np.float32)
    assert isinstance(policy_for(obs, gym.spaces.Discrete(2), (8,), "PPO"), CategoricalPolicy)
    box = gym.spaces.Box(-2, 2, (1,), np.float32)
    assert isinstance(policy_for(obs, box, (8,), "PPO"), GaussianPolicy)
    np.testing.assert_array_equal(clip_to_space(np.array([[3.0], [-0.5]]), box), [[2.0], [-0.5]])
    with pytest.raises(ValueError, match="A2C needs a Discrete or Box action space"):
        policy_for(obs, gym.spaces.MultiBinary(3), (8,), "A2C")
    with pytest.raises(ValueError, match="REINFORCE needs a flat Box observation space"):
        policy_for(gym.spaces.Discrete(4), box, (8,), "REINFORCE")
