"""The training runner: run directory, metrics, checkpoints, resume after an interrupt, targets."""

from __future__ import annotations

import json

import numpy as np
import pytest

import groundup.milestones as registry
from groundup.errors import GroundupError
from groundup.milestones.base import Milestone, RunContext
from groundup.milestones.runner import run_milestone
from groundup.utils.atomic_io import atomic_write


def _toy_train(ctx: RunContext) -> dict:
    """Gradient descent on (w - 3)^2 (the error halves each step), one 'epoch' per step."""
    epochs = ctx.epochs or 5
    state = ctx.load_checkpoint() if ctx.resumed else None
    w, start = (state[0]["w"], state[1]["epoch"] + 1) if state else (np.zeros(1), 0)
    for epoch in range(start, epochs):
        if ctx.option("interrupt_at", -1) == epoch:
            raise KeyboardInterrupt
        w = w - 0.25 * 2 * (w - 3)
        ctx.log(epoch, loss=float(((w - 3) ** 2).item()), w=float(w.item()))
        ctx.save_checkpoint({"w": w}, {"epoch": epoch})
    return {"w": float(w.item()), "epochs_run": epochs - start}


TOY = Milestone(
    name="toy",
    title="toy quadratic",
    phase="tests",
    target="|w - 3| < 0.2",
    expected_time="instant",
    train=_toy_train,
    check=lambda s: abs(s["w"] - 3) < 0.2,
)


@pytest.fixture(autouse=True)
def _toy_registry(monkeypatch):
    monkeypatch.setattr(registry, "all_milestones", lambda: {"toy": TOY})


def test_run_writes_summary_metrics_curves_and_checkpoint(tmp_path):
    result = run_milestone("toy", runs_dir=tmp_path, show_progress=False)
    assert result.passed is True
    files = {p.name for p in result.out_dir.iterdir()}
    assert {"config.json", "metrics.jsonl", "summary.json", "curves.png", "checkpoint.npz"} <= files
    rows = [
        json.loads(line) for line in (result.out_dir / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["step"] for r in rows] == [0, 1, 2, 3, 4]
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert (
        summary["passed"] is True
        and summary["target"] == "|w - 3| < 0.2"
        and summary["w"] == 3 - 3 / 32
    )


def test_interrupt_then_resume_loses_at_most_the_current_epoch(tmp_path):
    with pytest.raises(GroundupError, match="--resume"):
        run_milestone("toy", runs_dir=tmp_path, options={"interrupt_at": "3"}, show_progress=False)
    (run_dir,) = list((tmp_path / "toy").iterdir())
    assert not (run_dir / "summary.json").exists()
    result = run_milestone(
        "toy", runs_dir=tmp_path, resume=True, options={"interrupt_at": "-1"}, show_progress=False
    )
    assert result.out_dir == run_dir
    assert result.summary["epochs_run"] == 2  # epochs 3 and 4: 0-2 came from the checkpoint
    steps = [
        json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps == [0, 1, 2, 3, 4]


def test_resume_without_an_unfinished_run_is_a_clear_error(tmp_path):
    with pytest.raises(GroundupError, match="nothing to resume"):
        run_milestone("toy", runs_dir=tmp_path, resume=True)


def test_missed_target_is_reported_and_quick_runs_are_not_checked(tmp_path):
    result = run_milestone("toy", runs_dir=tmp_path, epochs=1, show_progress=False)
    assert result.passed is False
    quick = run_milestone("toy", runs_dir=tmp_path, epochs=1, quick=True, show_progress=False)
    assert quick.passed is None


def test_unknown_milestone_names_the_known_ones():
    with pytest.raises(GroundupError, match="toy"):
        registry.get("nope")


def test_bad_option_value_names_the_option(tmp_path):
    with pytest.raises(GroundupError, match="interrupt_at=soon"):
        run_milestone(
            "toy", runs_dir=tmp_path, options={"interrupt_at": "soon"}, show_progress=False
        )


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "progress.json"
    atomic_write(path, '{"ok": 1}')

    with pytest.raises(TypeError):  # fails half-way, inside the write
        atomic_write(path, object())  # type: ignore[arg-type]
    assert json.loads(path.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]


def test_real_registry_lists_only_milestones(monkeypatch):
    monkeypatch.undo()
    for name, m in registry.all_milestones().items():
        assert name == m.name and m.target and m.expected_time
