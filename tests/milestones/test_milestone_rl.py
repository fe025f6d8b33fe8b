"""The RL agent milestones (pendulum-sac/td3/ddpg): the chunked trainer's bookkeeping on a
scripted agent, and a quick run end to end with its learning curve."""

from __future__ import annotations

import json

import pytest
from threadpoolctl import threadpool_limits

from groundup.milestones._rl_agent import train_in_chunks
from groundup.milestones.base import RunContext
from groundup.milestones.runner import run_milestone


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


class ScriptedAgent:
    """Evaluates to a scripted return after each chunk; records how far it was trained."""

    def __init__(self, returns):
        self.returns, self.trained_to = list(returns), []

    def learn(self, until):
        self.trained_to.append(until)

    def latest_stats(self):
        return {"q_loss": 1.0}

    def evaluate(self, num_episodes):
        return self.returns[len(self.trained_to) - 1], 0.0

    def state_dict(self):
        return {"trained_to": list(self.trained_to)}

    def load_state_dict(self, state):
        self.trained_to = list(state["trained_to"])


def test_chunks_evaluations_and_the_first_step_at_the_target(tmp_path):
    ctx = RunContext("scripted", tmp_path, show_progress=False)
    agent = ScriptedAgent([-900.0, -199.0, -250.0, -150.0])
    summary = train_in_chunks(ctx, agent, 3500, 1000, 10, target=-200.0)
    assert agent.trained_to == [1000, 2000, 3000, 3500]  # the last chunk is cut to the budget
    assert summary["steps_to_target"] == 2000  # the first, not the last, evaluation above
    assert summary["eval_return"] == -150.0 and summary["env_steps"] == 3500
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").open()]
    assert [r["step"] for r in rows] == [1000, 2000, 3000, 3500]
    assert [r["eval_return"] for r in rows] == [-900.0, -199.0, -250.0, -150.0]
    assert (tmp_path / "learning_curve.png").stat().st_size > 1000


def test_never_reaching_the_target_is_none(tmp_path):
    ctx = RunContext("scripted", tmp_path, show_progress=False)
    summary = train_in_chunks(ctx, ScriptedAgent([-900.0, -800.0]), 2000, 1000, 10, -200.0)
    assert summary["steps_to_target"] is None


def test_pendulum_td3_quick_run(tmp_path):
    result = run_milestone("pendulum-td3", quick=True, runs_dir=tmp_path, show_progress=False)
    s = json.loads((result.out_dir / "summary.json").read_text())
    assert {"learning_curve.png", "curves.png", "checkpoint.npz"} <= {
        p.name for p in result.out_dir.iterdir()
    }
    rows = [json.loads(line) for line in (result.out_dir / "metrics.jsonl").open()]
    assert [r["step"] for r in rows] == [200, 400, 600]
    # Pendulum's reward is in [-16.3, 0] per step: a 200-step return in [-3260, 0]
    assert all(-3300 < r["eval_return"] <= 0 for r in rows)
    assert "q_loss" in rows[-1] and s["env_steps"] == 600 and s["passed"] is None
