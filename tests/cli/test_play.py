"""`groundup play`: a GIF of a quick pendulum run's agent, restored from its checkpoint (its
return is the restored agent's evaluation on the same start), and clear errors."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from threadpoolctl import threadpool_limits

from groundup.cli import main
from groundup.milestones._rl_agent import load_agent
from groundup.milestones.runner import run_milestone
from groundup.rl.core.envs import evaluate_policy


def _main(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code


def test_play_writes_a_gif_of_the_restored_agent(tmp_path, capsys):
    with threadpool_limits(1):
        run = run_milestone("pendulum-ddpg", quick=True, runs_dir=tmp_path, show_progress=False)
    summary = json.loads((run.out_dir / "summary.json").read_text())
    agent, saved = load_agent(run.out_dir)
    assert saved["milestone"] == "pendulum-ddpg" and agent.global_step == 600
    # the restored agent is the trained one: it evaluates to the run's final return
    assert agent.evaluate(summary["eval_episodes"])[0] == pytest.approx(summary["eval_return"])

    gif = tmp_path / "agent.gif"
    assert _main(["play", str(run.out_dir), "--out", str(gif), "--seed", "7"]) == 0
    with Image.open(gif) as im:
        assert im.size == (500, 500) and im.n_frames > 20  # 201 frames, repeats merged
    printed = capsys.readouterr().out
    expected = evaluate_policy(agent.act, "Pendulum-v1", num_episodes=1, seed=7)[0]
    assert f"returns {expected:.1f}" in printed


def test_play_refuses_a_run_without_an_agent(tmp_path, capsys):
    run = tmp_path / "gmm-em" / "x"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"milestone": "gmm-em", "seed": 0, "config": {}}))
    assert _main(["play", str(run)]) != 0
    assert "trains no RL agent to play" in capsys.readouterr().err
    assert _main(["play", str(tmp_path / "nothing")]) != 0
    assert "not a run directory" in capsys.readouterr().err
