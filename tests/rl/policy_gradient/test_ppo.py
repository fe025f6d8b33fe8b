"""PPO: its two losses against a PyTorch twin and hand values on fixed tensors (the clip's
zero-gradient regions included), truncation bootstrapped in the rollout, and learning
tests — the identity env in 2,000 steps (default suite), CartPole to 500 (slow)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.rl.envs import IdentityEnv, IdentityEnvBox
from groundup.rl.policy_gradient import PPO, PPOConfig, ppo_policy_loss, ppo_value_loss


def torch_policy_loss(logp, old, adv, clip):
    ratio = torch.exp(logp - old)
    return torch.max(-adv * ratio, -adv * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()


def test_policy_loss_value_and_gradient_match_torch():
    rng = np.random.default_rng(0)
    logp = rng.normal(scale=0.3, size=64) - 1.0
    old = logp + rng.normal(scale=0.3, size=64)
    adv = rng.normal(size=64)
    g = Tensor(logp, requires_grad=True)
    loss, stats = ppo_policy_loss(g, old, adv, 0.2)
    t = torch.tensor(logp, requires_grad=True)
    ref = torch_policy_loss(t, torch.tensor(old), torch.tensor(adv), 0.2)
    loss.backward()
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15)
    r = np.exp(logp - old)
    assert stats["clip_frac"] == pytest.approx(np.mean(np.abs(r - 1) > 0.2))
    assert stats["approx_kl"] == pytest.approx(np.mean(r - 1 - np.log(r)))
    assert 0 < stats["clip_frac"] < 1  # the case exercises both branches


def test_policy_loss_hand_values():
    # ratio 1: L = -mean(A), dL/dlogp = -A / B
    g = Tensor(np.zeros(2), requires_grad=True)
    loss, _ = ppo_policy_loss(g, np.zeros(2), np.array([1.0, -3.0]), 0.2)
    loss.backward()
    assert loss.item() == pytest.approx(1.0)
    np.testing.assert_allclose(g.grad.numpy(), [-0.5, 1.5])
    # A > 0 and ratio 1.5 > 1.2: clipped, loss -1.2 * A, no gradient
    # A < 0 and ratio 0.5 < 0.8: clipped, loss +0.8 * |A| ... -A * 0.8, no gradient
    g = Tensor(np.log(np.array([1.5, 0.5])), requires_grad=True)
    loss, stats = ppo_policy_loss(g, np.zeros(2), np.array([2.0, -2.0]), 0.2)
    loss.backward()
    assert loss.item() == pytest.approx(0.5 * (-1.2 * 2.0 + 0.8 * 2.0))
    np.testing.assert_array_equal(g.grad.numpy(), [0.0, 0.0])
    assert stats["clip_frac"] == 1.0
    # the pessimistic side: A < 0 with ratio 1.5 is NOT clipped (it would only help)
    g = Tensor(np.log(np.array([1.5])), requires_grad=True)
    loss, _ = ppo_policy_loss(g, np.zeros(1), np.array([-2.0]), 0.2)
    loss.backward()
    assert loss.item() == pytest.approx(3.0)
    np.testing.assert_allclose(g.grad.numpy(), [3.0])


def test_value_loss_clipped_and_plain_match_torch():
    rng = np.random.default_rng(1)
    v, old, R = rng.normal(size=32), rng.normal(size=32), rng.normal(size=32)
    for clip in (0.2, None):
        g = Tensor(v, requires_grad=True)
        loss = ppo_value_loss(g, old, R, clip)
        t = torch.tensor(v, requires_grad=True)
        tu = (t - torch.tensor(R)) ** 2
        if clip is None:
            ref = 0.5 * tu.mean()
        else:
            to = torch.tensor(old)
            tc = (to + torch.clamp(t - to, -clip, clip) - torch.tensor(R)) ** 2
            ref = 0.5 * torch.max(tu, tc).mean()
        loss.backward()
        ref.backward()
        assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_losses_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="must have one shape"):
        ppo_value_loss(Tensor(np.zeros((4, 1))), np.zeros(4), np.zeros(4), 0.2)
    with pytest.raises(ValueError, match="must have one shape"):
        ppo_policy_loss(Tensor(np.zeros(4)), np.zeros(4), np.zeros((4, 1)), 0.2)


def test_rollout_bootstraps_truncated_episodes_from_the_final_observation():
    # IdentityEnv only truncates: every episode end must bootstrap, so with gamma = 1 and
    # lambda = 1 each advantage is (rewards to the end) + V(final obs) - V(s_t)
    cfg = PPOConfig(num_envs=2, num_steps=12, gamma=1.0, gae_lambda=1.0, seed=0)
    agent = PPO(cfg, env_fn=lambda: IdentityEnv(n=2, ep_length=5))
    ro = agent.collect_rollout()
    assert not np.any(np.isnan(ro.returns))
    # step 4 ends every first episode (ep_length 5). A terminal treatment would make its
    # return the reward alone (0 or 1); the bootstrap adds V(final obs), not 0 at init
    assert np.all(np.abs(ro.returns[4] - ro.returns[4].round()) > 1e-6)


def test_ppo_learns_the_identity_env_in_2000_steps():
    cfg = PPOConfig(
        num_envs=4,
        num_steps=64,
        total_timesteps=2048,
        update_epochs=10,
        num_minibatches=4,
        learning_rate=3e-3,
        gamma=0.9,
        seed=0,
    )
    agent = PPO(cfg, env_fn=lambda: IdentityEnv(n=4, ep_length=20))
    agent.learn()
    mean, _ = agent.evaluate(num_episodes=10)
    assert mean >= 18.0  # of 20; random play earns 5


def test_ppo_continuous_learns_the_identity_box_env():
    cfg = PPOConfig(
        num_envs=4,
        num_steps=128,
        total_timesteps=8192,
        update_epochs=10,
        num_minibatches=4,
        learning_rate=3e-3,
        gamma=0.0,
        gae_lambda=0.0,
        anneal_clip=False,
        log_std_init=-1.0,
        seed=0,
    )
    agent = PPO(cfg, env_fn=lambda: IdentityEnvBox(eps=0.2, ep_length=20))
    start, _ = agent.evaluate(num_episodes=10)
    agent.learn()
    mean, _ = agent.evaluate(num_episodes=10)
    assert mean >= 15.0 and mean > start + 5  # of 20; random earns 4


def test_config_errors():
    with pytest.raises(ValueError, match="not divisible by num_minibatches"):
        PPOConfig(num_envs=3, num_steps=5, num_minibatches=2)
    with pytest.raises(ValueError, match="num_envs must be positive"):
        PPOConfig(num_envs=0)


@pytest.mark.slow
def test_ppo_cartpole_reaches_500_within_100k_steps():
    agent = PPO(PPOConfig(seed=0))
    agent.learn()
    mean, _ = agent.evaluate(num_episodes=10)
    assert mean >= 475
