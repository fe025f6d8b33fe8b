"""A2C: its loss against PyTorch on fixed tensors, reward-to-go with the
time-limit bootstrap, and learning the identity env (default suite) or CartPole (slow)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.rl.envs import IdentityEnv
from groundup.rl.policy_gradient.a2c import A2C, A2CConfig, a2c_loss


def test_a2c_loss_and_gradients_match_torch():
    rng = np.random.default_rng(1)
    lp, v, h, A, R = (rng.normal(size=12) for _ in range(5))
    gl, gv, gh = (Tensor(x, requires_grad=True) for x in (lp, v, h))
    loss = a2c_loss(gl, gv, gh, A, R, vf_coef=0.5, ent_coef=0.01)
    tl, tv, th = (torch.tensor(x, requires_grad=True) for x in (lp, v, h))
    ref = (
        -(tl * torch.tensor(A)).mean()
        + 0.5 * ((tv - torch.tensor(R)) ** 2).mean()
        - 0.01 * th.mean()
    )
    loss.backward()
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    for g, t in ((gl, tl), (gv, tv), (gh, th)):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"values has shape \(12, 1\)"):
        a2c_loss(gl, Tensor(np.zeros((12, 1))), gh, A, R, 0.5, 0.0)


def test_a2c_learns_the_identity_env_in_2000_steps():
    cfg = A2CConfig(
        num_envs=4, num_steps=5, total_timesteps=2000, learning_rate=7e-3, gamma=0.0, seed=0
    )
    agent = A2C(cfg, env_fn=lambda: IdentityEnv(n=4, ep_length=20))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 18.0


@pytest.mark.slow
def test_a2c_cartpole_reaches_475_within_200k_steps():
    agent = A2C(A2CConfig(seed=0))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 475
