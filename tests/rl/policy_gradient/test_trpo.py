"""TRPO: the KL and the Fisher-vector product against PyTorch (double backward) and against
the Fisher matrix written out by hand, conjugate gradient against a direct solve, the line
search's three outcomes, one update staying inside the trust region, learning the identity
env within 2,000 steps, and CartPole to 475 within 100k steps (slow)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.rl.core.policies import CategoricalPolicy
from groundup.rl.envs import IdentityEnv
from groundup.rl.policy_gradient.trpo import (
    TRPO,
    TRPOConfig,
    categorical_kl,
    conjugate_gradient,
    fisher_vector_product,
    line_search,
)


def _policy64(obs_dim, num_actions, hidden, seed):
    pi = CategoricalPolicy(obs_dim, num_actions, hidden, generator=np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    for p in pi.parameters():  # float64 and away from the tiny-head init, so F is not ~0
        p.data = rng.normal(scale=0.7, size=p.shape)
    return pi


def _torch_twin(pi):
    linears = [m for m in pi.modules() if type(m).__name__ == "Linear"]
    layers = []
    for k, lin in enumerate(linears):
        t = torch.nn.Linear(lin.weight.shape[1], lin.weight.shape[0]).double()
        with torch.no_grad():
            t.weight.copy_(torch.tensor(lin.weight.data))
            t.bias.copy_(torch.tensor(lin.bias.data))
        layers.append(t)
        if k < len(linears) - 1:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def test_categorical_kl_matches_torch_values_and_gradients():
    rng = np.random.default_rng(0)
    old = rng.normal(size=(5, 3))
    new = rng.normal(size=(5, 3))
    old_lp = old - np.log(np.exp(old).sum(-1, keepdims=True))
    x = Tensor(new, requires_grad=True)
    kl = categorical_kl(old_lp, x.log_softmax(-1))
    xt = torch.tensor(new, requires_grad=True)
    ref = torch.distributions.kl_divergence(
        torch.distributions.Categorical(logits=torch.tensor(old)),
        torch.distributions.Categorical(logits=xt),
    )
    np.testing.assert_allclose(kl.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    kl.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert kl.detach().numpy().min() >= 0
    with pytest.raises(ValueError, match=r"old_log_probs \(5, 2\)"):
        categorical_kl(old_lp[:, :2], x.log_softmax(-1))


def test_fisher_vector_product_matches_torch_double_backward():
    pi = _policy64(4, 3, (6,), seed=0)
    net = _torch_twin(pi)
    rng = np.random.default_rng(2)
    obs = rng.normal(size=(7, 4))
    params = list(pi.parameters())
    with torch.no_grad():
        old_lp = torch.log_softmax(net(torch.tensor(obs)), -1).numpy()
    # move the policy off theta_old a little: the FVP is then the KL's Hessian there, not only F
    for p in params:
        p.data = p.data + 0.05 * rng.normal(size=p.shape)
    net = _torch_twin(pi)
    kl = categorical_kl(old_lp, pi(Tensor(obs)).log_probs).mean()
    fvp = fisher_vector_product(kl, params, damping=0.1)
    P = sum(p.data.size for p in params)
    v = rng.normal(size=P)

    tparams = [q for lin in net if isinstance(lin, torch.nn.Linear) for q in (lin.weight, lin.bias)]
    lp = torch.log_softmax(net(torch.tensor(obs)), -1)
    kl_t = (torch.tensor(np.exp(old_lp)) * (torch.tensor(old_lp) - lp)).sum(-1).mean()
    g = torch.autograd.grad(kl_t, tparams, create_graph=True)
    flat_g = torch.cat([x.reshape(-1) for x in g])
    hv = torch.autograd.grad(flat_g @ torch.tensor(v), tparams)
    ref = torch.cat([x.reshape(-1) for x in hv]).numpy() + 0.1 * v

    np.testing.assert_allclose(fvp(v), ref, rtol=1e-9, atol=1e-12)
    # the graph of the first gradient is reused: a second call gives the same linear map
    np.testing.assert_allclose(fvp(2 * v), 2 * ref, rtol=1e-9, atol=1e-12)


def test_fisher_vector_product_at_theta_old_is_the_fisher_matrix_by_hand():
    """A linear softmax policy, logits = W s + b: F = E_s[(diag(pi) - pi pi^T) (x) [s;1][s;1]^T]."""
    pi = _policy64(3, 4, (), seed=3)
    rng = np.random.default_rng(4)
    obs = rng.normal(size=(6, 3))
    (lin,) = [m for m in pi.modules() if type(m).__name__ == "Linear"]
    W, b = lin.weight.data, lin.bias.data
    logits = obs @ W.T + b
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    # the parameter vector is [vec(W) row-major, b]: d logit_k / d W_kj = s_j, d logit_k / d b_k = 1
    K, D = W.shape
    F = np.zeros((K * D + K, K * D + K))
    for s, p in zip(obs, probs):
        C = np.diag(p) - np.outer(p, p)  # (K, K): Cov of the score in logit space
        J = np.zeros((K, K * D + K))  # d logits / d theta
        for k in range(K):
            J[k, k * D : (k + 1) * D] = s
            J[k, K * D + k] = 1.0
        F += J.T @ C @ J / len(obs)
    kl = categorical_kl(np.log(probs), pi(Tensor(obs)).log_probs).mean()
    fvp = fisher_vector_product(kl, list(pi.parameters()))
    for _ in range(3):
        v = rng.normal(size=K * D + K)
        np.testing.assert_allclose(fvp(v), F @ v, rtol=1e-9, atol=1e-12)


def test_conjugate_gradient_hand_values_and_a_direct_solve():
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(
        conjugate_gradient(lambda v: A @ v, np.array([1.0, 2.0]), iters=2), [1 / 11, 7 / 11]
    )
    rng = np.random.default_rng(0)
    M = rng.normal(size=(20, 20))
    A = M @ M.T + 20 * np.eye(20)
    b = rng.normal(size=20)
    calls = []
    x = conjugate_gradient(lambda v: calls.append(1) or A @ v, b, iters=100, residual_tol=1e-24)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-9, atol=1e-12)
    assert len(calls) < 100  # stopped on the residual, not on iters
    # one iteration is steepest descent with the exact step: x = (r.r / r.A r) r
    np.testing.assert_allclose(
        conjugate_gradient(lambda v: A @ v, b, iters=1), (b @ b) / (b @ A @ b) * b
    )


def test_line_search_accepts_backtracks_and_gives_up():
    def evaluate(th):  # surrogate = theta, KL = theta^2
        return float(th[0]), float(th[0] ** 2)

    th, k = line_search(evaluate, np.zeros(1), np.array([0.1]), 0.0, max_kl=0.05)
    assert (th[0], k) == (0.1, 0)  # the full step is inside: taken as is
    th, k = line_search(evaluate, np.zeros(1), np.array([1.0]), 0.0, max_kl=0.05, shrink=0.5)
    assert (th[0], k) == (0.125, 3)  # 1, 0.5, 0.25 violate KL <= 0.05; 0.125 does not
    th, k = line_search(evaluate, np.zeros(1), np.array([-0.1]), 0.0, max_kl=0.05, max_iter=4)
    assert (th[0], k) == (0.0, -1)  # a step that lowers the surrogate is never accepted


def test_one_update_stays_in_the_trust_region_and_improves_the_surrogate():
    cfg = TRPOConfig(num_envs=2, num_steps=128, total_timesteps=256, target_kl=0.01, seed=1)
    agent = TRPO(cfg)
    row = agent.train_one_rollout()
    assert row["line_search_trial"] >= 0
    assert 0 < row["kl"] <= 0.01
    assert row["surrogate_gain"] > 0


def test_trpo_learns_the_identity_env_in_2000_steps():
    cfg = TRPOConfig(
        num_envs=2,
        num_steps=100,
        total_timesteps=2000,
        target_kl=0.05,
        gamma=0.0,
        critic_batch_size=64,
        critic_epochs=5,
        seed=0,
    )
    agent = TRPO(cfg, env_fn=lambda: IdentityEnv(n=4, ep_length=20))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 18.0  # of 20; random play earns 5


def test_trpo_refuses_a_continuous_action_space():
    with pytest.raises(ValueError, match=r"Discrete action space, got Box"):
        TRPO(TRPOConfig(env_id="Pendulum-v1", num_envs=1, num_steps=8))
    assert isinstance(gym.make("Pendulum-v1").action_space, gym.spaces.Box)


@pytest.mark.slow
def test_trpo_cartpole_reaches_475_within_100k_steps():
    agent = TRPO(TRPOConfig(seed=0))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= 475
