"""REINFORCE: its loss against PyTorch on fixed tensors, reward-to-go with the
time-limit bootstrap, and learning the identity env (default suite) or CartPole (slow)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.rl.envs import IdentityEnv
from groundup.rl.policy_gradient.reinforce import REINFORCE, REINFORCEConfig, reinforce_loss


def test_reinforce_loss_and_gradient_match_torch():
    rng = np.random.default_rng(0)
    logp, adv = rng.normal(size=16) - 1, rng.normal(size=16)
    g = Tensor(logp, requires_grad=True)
    loss = reinforce_loss(g, adv)
    t = torch.tensor(logp, requires_grad=True)
    ref = -(t * torch.tensor(adv)).mean()
    loss.backward()
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    # the gradient is -A/N: advantages are constants, never differentiated
    np.testing.assert_allclose(g.grad.numpy(), -adv / 16, rtol=1e-12)


def test_reinforce_bootstraps_a_truncated_episode_with_the_baseline():
    agent = REINFORCE(REINFORCEConfig(seed=0), env_fn=lambda: IdentityEnv(n=2, ep_length=3))
    ep = agent.run_episode()
    assert ep["truncated"][-1] and not ep["terminated"].any()
    # the loss uses G_t + gamma^(T-t) V(final obs); checked through update's value target
    before = agent.value(Tensor(ep["obs"])).detach().numpy().copy()
    agent.update([ep])
    assert not np.allclose(agent.value(Tensor(ep["obs"])).detach().numpy(), before)


def test_reinforce_learns_the_identity_env():
    cfg = REINFORCEConfig(
        total_episodes=120, episodes_per_update=4, learning_rate=2e-2, gamma=0.0, seed=0
    )
    agent = REINFORCE(cfg, env_fn=lambda: IdentityEnv(n=4, ep_length=20))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 18.0  # 2,400 steps; random earns 5


@pytest.mark.slow
def test_reinforce_cartpole_reaches_475():
    agent = REINFORCE(REINFORCEConfig(seed=0))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 475
