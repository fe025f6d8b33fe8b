"""The shared off-policy loop: DQN and SAC on it give the numbers they gave before the loop
moved into rl.core (same random streams), and an agent restored from ``state_dict``
continues exactly as one that was never stopped — mid-episode, buffer and all."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from groundup.milestones.loop import plain
from groundup.nn import load, save
from groundup.rl.actor_critic import SAC, TD3, SACConfig, TD3Config
from groundup.rl.envs import IdentityEnv, IdentityEnvBox
from groundup.rl.value_based import DQN, DQNConfig


def small_dqn(seed=3):
    cfg = DQNConfig(
        total_timesteps=600,
        learning_starts=100,
        train_freq=50,
        gradient_steps=5,
        target_update_interval=30,
        batch_size=16,
        hidden_sizes=(16,),
        seed=seed,
    )
    return DQN(cfg, env_fn=lambda: IdentityEnv(n=4, ep_length=20))


def small_sac(seed=3):
    cfg = SACConfig(
        total_timesteps=300, learning_starts=100, batch_size=16, hidden_sizes=(16,), seed=seed
    )
    return SAC(cfg, env_fn=lambda: IdentityEnvBox(eps=0.2, ep_length=20))


def test_dqn_on_the_shared_loop_gives_the_numbers_it_gave_before():
    # measured with dqn.py's own loop at 1b20c4e (before the loop moved to rl.core)
    agent = small_dqn()
    history = agent.learn()
    np.testing.assert_allclose(
        [r["loss"] for r in history][-3:], [0.1340061769, 0.1021289922, 0.1437445804], rtol=1e-6
    )
    w = agent.q.state_dict()["net.0.weight"].detach().numpy()
    assert float(w.sum()) == pytest.approx(0.8319554328918457, rel=1e-6)
    assert agent.evaluate(3) == pytest.approx((6.0, 0.816496580927726))


def test_sac_on_the_shared_loop_gives_the_numbers_it_gave_before():
    # measured with sac.py's own loop at 1b20c4e
    agent = small_sac()
    last = agent.learn(log_every=100)[-1]
    np.testing.assert_allclose(
        [last["q_loss"], last["actor_loss"], last["alpha"]],
        [1.0200953483581543, -1.5011916160583496, 0.8194547295570374],
        rtol=1e-5,
    )
    w = agent.actor.state_dict()["net.0.weight"].detach().numpy()
    assert float(w.sum()) == pytest.approx(-1.1463826894760132, rel=1e-5)
    assert agent.evaluate(3) == pytest.approx((4.0, 0.816496580927726))


@pytest.mark.parametrize("through_file", [False, True], ids=["in-memory", "saved"])
@pytest.mark.parametrize("make", [small_dqn, small_sac], ids=["dqn", "sac"])
def test_restored_agent_continues_exactly_as_an_uninterrupted_one(make, through_file, tmp_path):
    straight = make()
    straight.learn(total_timesteps=290)  # mid-episode (episodes are 20 steps)
    state = copy.deepcopy(straight.state_dict())  # state_dict shares the live arrays
    if through_file:  # a checkpoint file: arrays and plain values, loaded without pickle
        save(state, tmp_path / "agent.npz")
        state = plain(load(tmp_path / "agent.npz"))  # as a run checkpoint is read
    straight.learn()

    resumed = make(seed=4)  # a different fresh agent: everything must come from the state
    resumed.load_state_dict(state)
    assert resumed.global_step == 290
    resumed.learn()
    for (name, a), b in zip(straight._modules().items(), resumed._modules().values()):
        if hasattr(a, "parameters"):
            for p, q in zip(a.parameters(), b.parameters()):
                np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    assert len(resumed.buffer) == len(straight.buffer)
    np.testing.assert_array_equal(resumed.buffer.observations, straight.buffer.observations)
    assert resumed._recent == straight._recent


def _leaves(tree):
    if isinstance(tree, dict):
        for v in tree.values():
            yield from _leaves(v)
    elif isinstance(tree, list | tuple):
        for v in tree:
            yield from _leaves(v)
    else:
        yield tree


def test_the_environment_is_stored_as_arrays_and_numbers_not_a_pickle(tmp_path):
    agent = TD3(
        TD3Config(
            env_id="Pendulum-v1",
            total_timesteps=150,
            learning_starts=100,
            batch_size=16,
            hidden_sizes=(16,),
            seed=0,
        )
    )
    agent.learn(total_timesteps=130)  # mid-episode: Pendulum's episodes are 200 steps
    state = agent.state_dict()
    env = state["env"]["0"]
    assert [layer["type"] for layer in env.values()][-1] == "PendulumEnv"
    pendulum = env[str(len(env) - 1)]
    np.testing.assert_array_equal(pendulum["arrays"]["state"], agent.envs.envs[0].unwrapped.state)
    assert "_np_random" in pendulum["generators"]
    for leaf in _leaves(
        plain(state)
    ):  # tensors as arrays; no object arrays, no byte blobs (a pickle would be uint8)
        assert leaf is None or isinstance(leaf, bool | int | float | str | np.ndarray), leaf
        if isinstance(leaf, np.ndarray):
            assert leaf.dtype != object and leaf.dtype != np.uint8, leaf.dtype
    save(state, tmp_path / "td3.npz")
    again = TD3(agent.config)
    again.load_state_dict(plain(load(tmp_path / "td3.npz")))
    assert (
        again.envs.envs[0].unwrapped.state.tolist() == agent.envs.envs[0].unwrapped.state.tolist()
    )
    assert again.envs.envs[0]._elapsed_steps == agent.envs.envs[0]._elapsed_steps == 130
    agent.learn(total_timesteps=150)
    again.learn(total_timesteps=150)
    np.testing.assert_array_equal(again.buffer.observations, agent.buffer.observations)
    for p, q in zip(agent.actor.parameters(), again.actor.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_state_from_another_environment_is_refused():
    agent = small_dqn()
    state = agent.state_dict()
    other = DQN(agent.config)  # CartPole-v1 (the config's env), not the identity env
    with pytest.raises(ValueError, match="layers are"):
        other.load_state_dict(state)


def test_a_state_without_the_environment_arrays_is_refused_clearly():
    agent = small_dqn()
    state = agent.state_dict()
    del state["env"], state["autoreset"]  # what a checkpoint with a pickled env lacks
    with pytest.raises(ValueError, match="holds no environment state"):
        small_dqn().load_state_dict(state)
