"""MBPO: the Gaussian NLL and the ensemble (soft log-variance bounds) against PyTorch on fixed
tensors, values and gradients; fitting a known noisy dynamics (mean, variance, elites);
branched rollouts and the real/model mix."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.rl.model_based import (
    MBPO,
    DynamicsEnsemble,
    GaussianEnsemble,
    MBPOConfig,
    TransitionStore,
    gaussian_nll,
)
from groundup.rl.model_based.mbpo import _MixedBuffer


def test_gaussian_nll_is_torchs():
    rng = np.random.default_rng(0)
    mean, logvar, y = (
        rng.standard_normal((3, 4, 5)),
        rng.standard_normal((3, 4, 5)),
        rng.standard_normal((3, 4, 5)),
    )
    m, lv = Tensor(mean, requires_grad=True), Tensor(logvar, requires_grad=True)
    out = gaussian_nll(m, lv, y)
    out.backward()
    mt, lvt = torch.tensor(mean, requires_grad=True), torch.tensor(logvar, requires_grad=True)
    ref = torch.nn.functional.gaussian_nll_loss(mt, torch.tensor(y), lvt.exp(), eps=1e-300)
    ref.backward()
    assert out.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(m.grad.numpy(), mt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(lv.grad.numpy(), lvt.grad.numpy(), rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="one shape"):
        gaussian_nll(m, lv, y[:, :2])


def test_ensemble_forward_and_loss_match_a_torch_transcription():
    ens = GaussianEnsemble(
        3, 2, ensemble_size=4, hidden_sizes=(6,), generator=np.random.default_rng(1)
    )
    for p in ens.parameters():
        p.data = p.data.astype(np.float64)
    ens.min_logvar.data[...] = -1.0  # bounds close to the outputs, so both softplus act
    ens.max_logvar.data[...] = 0.2
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 5, 3)) * 3, rng.standard_normal((4, 5, 2))
    loss = ens.loss(Tensor(x), y)
    loss.backward()
    tp = {n: torch.tensor(p.data, requires_grad=True) for n, p in ens.named_parameters()}
    h = torch.tensor(x)
    h = torch.nn.functional.silu(h @ tp["layer0.weight"] + tp["layer0.bias"])
    out = h @ tp["layer1.weight"] + tp["layer1.bias"]
    mean, raw = out[..., :2], out[..., 2:]
    lv = tp["max_logvar"] - torch.nn.functional.softplus(tp["max_logvar"] - raw)
    lv = tp["min_logvar"] + torch.nn.functional.softplus(lv - tp["min_logvar"])
    ref = torch.nn.functional.gaussian_nll_loss(mean, torch.tensor(y), lv.exp(), eps=1e-300)
    ref = ref + 0.01 * (tp["max_logvar"].sum() - tp["min_logvar"].sum())
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-10)
    for n, p in ens.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=n
        )


def test_log_variance_stays_inside_the_bounds():
    ens = GaussianEnsemble(
        2, 1, ensemble_size=2, hidden_sizes=(4,), generator=np.random.default_rng(0)
    )
    ens.layers[-1].bias.data[..., 1] = 1e3  # a huge raw log-variance
    _, lv = ens(Tensor(np.zeros((2, 3, 2), np.float32)))
    assert np.all(lv.detach().numpy() <= 0.5 + 1e-4)  # soft: softplus(10.5) - 10.5 above
    ens.layers[-1].bias.data[..., 1] = -1e3
    _, lv = ens(Tensor(np.zeros((2, 3, 2), np.float32)))
    assert np.all(lv.detach().numpy() >= -10.0 - 1e-6)


def _linear_data(n, rng, noise=0.05):
    obs = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    act = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    # s' = s + [0.1 a, -0.2 s_0] + noise;  r = s_0
    nxt = obs + np.concatenate([0.1 * act, -0.2 * obs[:, :1]], 1)
    nxt = (nxt + noise * rng.standard_normal(nxt.shape)).astype(np.float32)
    return obs, act, nxt, obs[:, 0].copy()


def test_the_ensemble_learns_mean_and_noise_and_picks_elites():
    rng = np.random.default_rng(0)
    model = DynamicsEnsemble(
        2,
        1,
        ensemble_size=4,
        num_elites=2,
        hidden_sizes=(32, 32),
        batch_size=64,
        generator=np.random.default_rng(1),
    )
    obs, act, nxt, rew = _linear_data(1_500, rng)
    stats = model.fit(obs, act, nxt, rew, epochs=60)
    assert stats["model_holdout_mse"] < 0.01
    assert len(model.elites) == 2 and len(set(model.elites)) == 2
    # the predicted variance of s' - s is near the noise's 0.05^2 (log -6.0), well below the
    # initial upper bound 0.5; the reward is noiseless, so its variance is lower still
    x = model._inputs(obs[:200], act[:200])
    _, lv = model.net(Tensor(np.broadcast_to(x, (4, *x.shape)).copy()))
    lv = lv.detach().numpy()[model.elites]
    assert -7.5 < lv[..., :2].mean() < -4.5
    # sampled steps follow the dynamics
    s2, r = model.step(obs[:200], act[:200], np.random.default_rng(2))
    np.testing.assert_allclose(s2, nxt[:200], atol=0.3)
    np.testing.assert_allclose(r, rew[:200], atol=0.2)


def test_rollouts_branch_from_real_states_and_batches_mix_real_and_model_data():
    class Line(gym.Env):
        observation_space = gym.spaces.Box(-np.inf, np.inf, (2,), np.float64)
        action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.s, self.t = np.array([1.0, 0.0]), 0
            return self.s.copy(), {}

        def step(self, a):
            self.s = np.array([self.s[0] + self.s[1] + float(a[0]), self.s[1] + float(a[0])])
            self.t += 1
            return self.s.copy(), -0.001 * self.s[0] ** 2, False, self.t >= 30, {}

    cfg = MBPOConfig(
        learning_starts=60,
        model_train_freq=30,
        model_epochs=2,
        ensemble_size=3,
        num_elites=2,
        model_hidden_sizes=(8,),
        rollout_batch_size=50,
        updates_per_step=1,
        batch_size=16,
        hidden_sizes=(8,),
        real_ratio=0.25,
    )
    agent = MBPO(Line, cfg)
    agent.learn(61)
    assert len(agent.model_buffer) == 50
    real = {tuple(o) for o in agent.real.obs[: len(agent.real)]}
    assert all(tuple(o) in real for o in agent.model_buffer.obs[:50])
    b = agent.sac.buffer.sample(16, np.random.default_rng(0))
    from_real = [tuple(o) in real for o in b.observations]
    assert sum(from_real) >= 4  # 4 of 16 drawn from real data (model states may repeat them)
    mixed = _MixedBuffer(agent.real, TransitionStore(10, 2, 1, 0.99), 0.25)
    assert len(mixed.sample(8, np.random.default_rng(0)).rewards) == 8  # model empty: all real
