"""Behaviour cloning: the loss against PyTorch's cross-entropy and Gaussian NLL on fixed
tensors (values and gradients), and cloning a CartPole controller from a few episodes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.rl.core.datasets import TransitionDataset, collect_transitions
from groundup.rl.core.distributions import Categorical, DiagGaussian
from groundup.rl.imitation import BCConfig, BehaviorCloning, bc_loss


def test_discrete_loss_is_torch_cross_entropy():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((7, 3))
    actions = rng.integers(0, 3, 7)
    x = Tensor(logits, requires_grad=True)
    loss = bc_loss(Categorical(x), actions)
    loss.backward()
    xt = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(xt, torch.tensor(actions))
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_continuous_loss_is_torch_gaussian_nll():
    rng = np.random.default_rng(1)
    mean, log_std = rng.standard_normal((6, 2)), rng.standard_normal(2) * 0.3
    actions = rng.standard_normal((6, 2))
    m, s = Tensor(mean, requires_grad=True), Tensor(log_std, requires_grad=True)
    loss = bc_loss(DiagGaussian(m, s), actions)
    loss.backward()
    mt = torch.tensor(mean, requires_grad=True)
    st = torch.tensor(log_std, requires_grad=True)
    dist = torch.distributions.Normal(mt, st.exp())
    ref = -dist.log_prob(torch.tensor(actions)).sum(-1).mean()
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(m.grad.numpy(), mt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s.grad.numpy(), st.grad.numpy(), rtol=1e-10, atol=1e-12)
    # the constant matters: NLL of a standard normal at its mean is log sqrt(2 pi) per dim
    zero = bc_loss(DiagGaussian(Tensor(np.zeros((1, 2))), Tensor(np.zeros(2))), np.zeros((1, 2)))
    assert zero.item() == pytest.approx(2 * 0.5 * math.log(2 * math.pi))


def expert(obs):
    """A hand-made CartPole controller: push towards where the pole is falling."""
    return int(obs[2] + 0.5 * obs[3] > 0)


def test_cloning_a_cartpole_controller_from_five_episodes():
    data = collect_transitions(expert, "CartPole-v1", num_episodes=5, seed=0)
    assert data.episode_returns.min() == 500  # the controller is an expert
    bc = BehaviorCloning(4, 2, discrete=True, config=BCConfig(epochs=20, seed=0))
    losses = bc.fit(data)
    assert losses[-1] < losses[0] / 2
    from groundup.rl.core.envs import evaluate_policy

    mean, _ = evaluate_policy(bc.act, "CartPole-v1", num_episodes=5, seed=100)
    assert mean >= 475


def test_continuous_cloning_recovers_a_linear_expert():
    rng = np.random.default_rng(0)
    obs = rng.uniform(-1, 1, (512, 3)).astype(np.float32)
    w = np.array([[0.5], [-1.0], [0.25]], np.float32)
    data = TransitionDataset(
        observations=obs,
        actions=(obs @ w).astype(np.float32),
        rewards=np.zeros(512, np.float32),
        next_observations=obs,
        terminated=np.zeros(512, bool),
        truncated=np.arange(512) == 511,
        episode_returns=np.zeros(1),
    )
    bc = BehaviorCloning(3, 1, discrete=False, config=BCConfig(epochs=100, seed=0))
    bc.fit(data)
    test = rng.uniform(-0.7, 0.7, (20, 3)).astype(np.float32)
    pred = np.array([bc.act(o) for o in test])
    np.testing.assert_allclose(pred, test @ w, atol=0.1)
    # the learned std shrinks towards the (zero) residual spread
    assert float(bc.policy.log_std.detach().numpy().max()) < -0.5  # from 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="epochs"):
        BCConfig(epochs=0)
    import gymnasium as gym

    with pytest.raises(ValueError, match="Discrete or Box"):
        BehaviorCloning.for_env(
            type(
                "E",
                (),
                {
                    "observation_space": gym.spaces.Box(-1, 1, (2,)),
                    "action_space": gym.spaces.MultiBinary(2),
                },
            )()
        )
