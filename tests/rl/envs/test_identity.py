"""The identity environments follow the Gymnasium API (check_env) and reward what they say."""

from __future__ import annotations

import numpy as np
from gymnasium.utils.env_checker import check_env

from groundup.rl.envs import IdentityEnv, IdentityEnvBox


def test_check_env_passes():
    check_env(IdentityEnv(), skip_render_check=True)
    check_env(IdentityEnvBox(), skip_render_check=True)


def test_identity_rewards_and_time_limit():
    env = IdentityEnv(n=3, ep_length=4)
    obs, _ = env.reset(seed=0)
    total, steps, done = 0.0, 0, False
    while not done:
        obs, r, term, trunc, _ = env.step(int(obs.argmax()))
        total += r
        steps += 1
        done = term or trunc
        assert not term
    assert (total, steps) == (4.0, 4)
    obs, _ = env.reset(seed=1)
    assert env.step((int(obs.argmax()) + 1) % 3)[1] == 0.0


def test_identity_box_rewards_within_eps():
    env = IdentityEnvBox(eps=0.1)
    obs, _ = env.reset(seed=0)
    assert env.step(obs + 0.05)[1] == 1.0
    obs = env.x.copy()
    assert env.step(np.clip(obs + 0.5, -1, 1) if obs[0] < 0.4 else obs - 0.5)[1] == 0.0
