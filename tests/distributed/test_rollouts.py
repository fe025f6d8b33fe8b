"""Distributed rollouts (``groundup.distributed.rollouts``): Ray actors give the same
trajectories as the same workers run in this process, weights are broadcast before every
collect, and a PPO learner trained on them matches the in-process run exactly."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from groundup.distributed.rollouts import DistributedRollouts
from groundup.rl.core.policies import policy_for
from groundup.rl.core.value_functions import ValueFunction
from groundup.rl.policy_gradient.ppo import PPO, PPOConfig

pytestmark = pytest.mark.xdist_group("ray")
FIELDS = ("obs", "actions", "log_probs", "values", "advantages", "returns")


def _nets(seed=0):
    env = gym.make("CartPole-v1")
    rng = np.random.default_rng(seed)
    policy = policy_for(env.observation_space, env.action_space, (16,), "test", generator=rng)
    return policy, ValueFunction(4, (16,), generator=rng)


def test_ray_workers_give_the_in_process_trajectories_and_follow_the_weights(ray_local):
    policy, value = _nets()
    local = DistributedRollouts(policy, value, "CartPole-v1", 4, 2, seed=3, use_ray=False)
    remote = DistributedRollouts(policy, value, "CartPole-v1", 4, 2, seed=3, use_ray=True)
    try:
        before = None
        for _ in range(2):
            a, b = local.collect(40), remote.collect(40)
            assert a.obs.shape == (40, 4, 4)
            for f in FIELDS:
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
            assert a.episode_returns == b.episode_returns
            if before is not None:  # new weights reached the workers: new log-probs
                assert not np.allclose(before, a.log_probs)
            before = a.log_probs
            for p in policy.parameters():
                p.data += 0.5
    finally:
        remote.close()


def test_workers_continue_their_environments_and_seeds_do_not_overlap():
    policy, value = _nets()
    pool = DistributedRollouts(policy, value, "CartPole-v1", 4, 2, use_ray=False)
    seeds = [w.collector.envs.envs[i].np_random_seed for w in pool.workers for i in range(2)]
    assert seeds == [0, 1, 2, 3]  # what one vector env of all four would use
    first, second = pool.collect(10), pool.collect(10)
    assert not np.array_equal(first.obs[0], second.obs[0])  # continued, not reset


def test_an_uneven_split_is_refused():
    policy, value = _nets()
    with pytest.raises(ValueError, match="num_envs=5 must split evenly over num_workers=2"):
        DistributedRollouts(policy, value, "CartPole-v1", 5, 2, use_ray=False)


def test_ppo_on_ray_rollouts_learns_exactly_as_in_process(ray_local):
    cfg = PPOConfig(env_id="CartPole-v1", num_envs=4, num_steps=32, total_timesteps=256, seed=1)
    histories, params = [], []
    for use_ray in (False, True):
        agent = PPO(cfg)
        agent.collector = DistributedRollouts.for_agent(agent, 2, use_ray=use_ray)
        histories.append(agent.learn())
        params.append([p.data.copy() for p in agent.policy.parameters()])
        agent.collector.close()
    assert len(histories[0]) == 2
    for a, b in zip(*histories):
        for k in ("pg_loss", "v_loss", "entropy", "episode_return"):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    for a, b in zip(*params):
        np.testing.assert_array_equal(a, b)
