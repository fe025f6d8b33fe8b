"""Transition datasets: what is recorded, the .npz round trip, slicing by episodes, errors."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.rl.core.datasets import TransitionDataset, collect_transitions


def test_rows_chain_and_episodes_end_where_flagged():
    data = collect_transitions(lambda o: 1, "CartPole-v1", num_episodes=3, seed=5)
    ends = np.flatnonzero(data.terminated | data.truncated)
    assert len(ends) == 3 and ends[-1] == len(data) - 1
    # inside an episode, s_{t+1} of one row is s_t of the next
    inside = np.setdiff1d(np.arange(len(data) - 1), ends)
    np.testing.assert_array_equal(data.next_observations[inside], data.observations[inside + 1])
    # each episode's rewards sum to its recorded return
    starts = np.r_[0, ends[:-1] + 1]
    sums = [data.rewards[s : e + 1].sum() for s, e in zip(starts, ends, strict=True)]
    np.testing.assert_allclose(sums, data.episode_returns)
    assert data.actions.dtype == np.int64 and data.observations.dtype == np.float32


def test_num_steps_completes_the_last_episode():
    data = collect_transitions(lambda o: 0, "CartPole-v1", num_steps=30, seed=0)
    assert len(data) >= 30 and (data.terminated | data.truncated)[-1]


def test_continuous_actions_are_float_vectors():
    data = collect_transitions(lambda o: np.array([0.5]), "Pendulum-v1", num_episodes=1, seed=0)
    assert data.actions.shape == (200, 1) and data.actions.dtype == np.float32
    assert data.truncated[-1] and not data.terminated.any()


def test_save_load_round_trip_and_first_episodes(tmp_path):
    data = collect_transitions(lambda o: int(o[2] > 0), "CartPole-v1", num_episodes=4, seed=1)
    data.save(tmp_path / "d.npz")
    back = TransitionDataset.load(tmp_path / "d.npz")
    for name in ("observations", "actions", "rewards", "terminated", "episode_returns"):
        np.testing.assert_array_equal(getattr(back, name), getattr(data, name))
    two = data.episodes(2)
    assert two.num_episodes == 2 and len(two) == int(data.episode_returns[:2].sum())


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="exactly one"):
        collect_transitions(lambda o: 0, "CartPole-v1")
    data = collect_transitions(lambda o: 0, "CartPole-v1", num_episodes=1)
    with pytest.raises(ValueError, match="k must be in"):
        data.episodes(2)
    np.savez(tmp_path / "bad.npz", observations=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="missing"):
        TransitionDataset.load(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="rewards has 1 rows"):
        TransitionDataset(
            np.zeros((2, 4)),
            np.zeros(2),
            np.zeros(1),
            np.zeros((2, 4)),
            np.zeros(2, bool),
            np.zeros(2, bool),
            np.zeros(1),
        )
