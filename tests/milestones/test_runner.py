"""The training runner: run directory, config, metrics, checkpoints, exact resume, NaN guard, targets."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import pytest

import groundup.milestones as registry
from groundup.errors import GroundupError
from groundup.milestones.base import Milestone, Min, NonFiniteLoss, RunConfig, RunContext
from groundup.milestones.loop import load_checkpoint
from groundup.milestones.runner import run_milestone
from groundup.utils.atomic_io import atomic_write


@dataclass(frozen=True)
class ToyConfig(RunConfig):
    epochs: Annotated[int, Min(1)] = 5
    """Gradient steps."""
    lr: float = 0.25
    """Step size."""


INTERRUPT = {"at": None, "sleep": 0.0}  # set by a test: raise KeyboardInterrupt at this epoch


def _toy_train(cfg: ToyConfig, ctx: RunContext) -> dict:
    """Gradient descent on (w - 3)^2 with a noisy step; one 'epoch' per step."""
    noise = ctx.rng(1)
    loop = ctx.loop(cfg.epochs, unit="epoch", state={"w": 0.0, "steps": 0})
    for epoch in loop:
        if INTERRUPT["at"] == epoch:
            time.sleep(INTERRUPT["sleep"])
            raise KeyboardInterrupt
        w = np.float64(loop.state["w"])
        with np.errstate(over="ignore", invalid="ignore"):
            loss = (w - 3) ** 2
            loop.check(loss)
            # w <- w - lr * dL/dw, plus a little noise from the run's generator
            w = w - cfg.lr * 2 * (w - 3) + 1e-3 * noise.standard_normal()
        loop.state.update(w=float(w), steps=loop.state["steps"] + 1)
        ctx.log(epoch + 1, w=float(w))
    return {"w": loop.state["w"], "steps_in_this_process": len(loop)}


TOY = Milestone(
    name="toy",
    title="toy quadratic",
    phase="tests",
    target="|w - 3| < 0.2",
    expected_time="instant",
    train=_toy_train,
    config=ToyConfig,
    check=lambda s: abs(s["w"] - 3) < 0.2,
)


@pytest.fixture(autouse=True)
def _toy_registry(monkeypatch):
    monkeypatch.setattr(registry, "all_milestones", lambda: {"toy": TOY})
    INTERRUPT.update(at=None, sleep=0.0)


def _rows(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_run_writes_summary_metrics_curves_checkpoint_and_the_resolved_config(tmp_path):
    result = run_milestone("toy", runs_dir=tmp_path, show_progress=False, options={"lr": "0.3"})
    assert result.passed is True
    files = {p.name for p in result.out_dir.iterdir()}
    assert {"config.json", "metrics.jsonl", "summary.json", "curves.png", "checkpoint.npz"} <= files
    assert [r["step"] for r in _rows(result.out_dir)] == [1, 2, 3, 4, 5]
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert summary["passed"] is True and summary["target"] == "|w - 3| < 0.2"
    assert summary["config"] == {"epochs": 5, "lr": 0.3}
    config = json.loads((result.out_dir / "config.json").read_text())
    assert config["config"] == {"epochs": 5, "lr": 0.3} and config["seed"] == 0
    saved = load_checkpoint(result.out_dir)
    assert saved["done"] == 5 and saved["metrics_rows"] == 5 and saved["unit"] == "epoch"


def test_interrupted_then_resumed_run_equals_an_uninterrupted_one(tmp_path):
    straight = run_milestone("toy", runs_dir=tmp_path / "a", show_progress=False)
    INTERRUPT.update(at=3, sleep=0.3)
    with pytest.raises(GroundupError, match="--resume"):
        run_milestone("toy", runs_dir=tmp_path / "b", show_progress=False)
    (run_dir,) = list((tmp_path / "b" / "toy").iterdir())
    assert not (run_dir / "summary.json").exists()
    INTERRUPT.update(at=None)
    result = run_milestone("toy", runs_dir=tmp_path / "b", resume=True, show_progress=False)
    assert result.out_dir == run_dir
    assert result.summary["steps_in_this_process"] == 2  # epochs 4 and 5; 1-3 were restored
    assert result.summary["w"] == straight.summary["w"]  # same noise: the generator was restored
    rows, straight_rows = _rows(run_dir), _rows(straight.out_dir)
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]  # no duplicate rows
    assert [r["w"] for r in rows] == [r["w"] for r in straight_rows]
    # the clock runs on: rows after the resume and the summary count the first process too
    times = [r["time"] for r in rows]
    assert times == sorted(times)
    assert result.summary["seconds"] >= times[2]


def test_resume_keeps_the_runs_configuration_and_refuses_new_options(tmp_path):
    INTERRUPT.update(at=1)
    with pytest.raises(GroundupError):
        run_milestone("toy", runs_dir=tmp_path, options={"lr": "0.1"}, show_progress=False)
    INTERRUPT.update(at=None)
    with pytest.raises(GroundupError, match="own configuration"):
        run_milestone("toy", runs_dir=tmp_path, resume=True, options={"lr": "0.2"})
    result = run_milestone("toy", runs_dir=tmp_path, resume=True, show_progress=False)
    assert result.summary["config"]["lr"] == 0.1


def test_resume_without_a_checkpoint_starts_the_run_over(tmp_path):
    INTERRUPT.update(at=0)
    with pytest.raises(GroundupError, match="nothing saved yet"):
        run_milestone("toy", runs_dir=tmp_path, show_progress=False)
    INTERRUPT.update(at=None)
    result = run_milestone("toy", runs_dir=tmp_path, resume=True, show_progress=False)
    assert result.summary["steps_in_this_process"] == 5
    assert [r["step"] for r in _rows(result.out_dir)] == [1, 2, 3, 4, 5]


def test_resume_without_an_unfinished_run_is_a_clear_error(tmp_path):
    with pytest.raises(GroundupError, match="nothing to resume"):
        run_milestone("toy", runs_dir=tmp_path, resume=True)


def test_a_diverging_run_stops_at_the_first_non_finite_loss_and_keeps_the_last_good_checkpoint(
    tmp_path,
):
    # lr = 1e6 on (w - 3)^2: |w - 3| grows 2e6-fold a step until (w - 3)^2 overflows to inf
    with pytest.raises(NonFiniteLoss, match=r"loss is inf at epoch (\d+)") as err:
        run_milestone(
            "toy", runs_dir=tmp_path, options={"lr": "1e6", "epochs": "100"}, show_progress=False
        )
    step = int(err.value.args[0].split("at epoch ")[1].split(";")[0].split(".")[0])
    (run_dir,) = list((tmp_path / "toy").iterdir())
    saved = load_checkpoint(run_dir)
    assert saved["done"] == step - 1  # the last epoch whose loss was finite
    assert np.isfinite(saved["state"]["w"]) and not (run_dir / "summary.json").exists()
    assert f"last good checkpoint (epoch {step - 1})" in str(err.value)


def test_missed_target_is_reported_and_quick_runs_are_not_checked(tmp_path):
    result = run_milestone("toy", runs_dir=tmp_path, epochs=1, show_progress=False)
    assert result.passed is False
    quick = run_milestone("toy", runs_dir=tmp_path, epochs=1, quick=True, show_progress=False)
    assert quick.passed is None


def test_unknown_milestone_names_the_known_ones():
    with pytest.raises(GroundupError, match="toy"):
        registry.get("nope")


def test_bad_options_are_refused_before_the_run_starts(tmp_path):
    with pytest.raises(GroundupError, match=r"--set lr=fast: lr must be a float, got 'fast'"):
        run_milestone("toy", runs_dir=tmp_path, options={"lr": "fast"})
    with pytest.raises(GroundupError, match="unknown option; the options are: epochs, lr"):
        run_milestone("toy", runs_dir=tmp_path, options={"lrr": "0.1"})
    with pytest.raises(GroundupError, match=r"--epochs 0: epochs \(int\) must be >= 1"):
        run_milestone("toy", runs_dir=tmp_path, epochs=0)
    with pytest.raises(GroundupError, match=r"--epochs -3: epochs \(int\) must be >= 1"):
        run_milestone("toy", runs_dir=tmp_path, epochs=-3)
    with pytest.raises(GroundupError, match=r"--set epochs=0: epochs \(int\) must be >= 1"):
        run_milestone("toy", runs_dir=tmp_path, options={"epochs": "0"})
    assert not (tmp_path / "toy").exists()  # nothing was started


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "progress.json"
    atomic_write(path, '{"ok": 1}')

    with pytest.raises(TypeError):  # fails half-way, inside the write
        atomic_write(path, object())  # type: ignore[arg-type]
    assert json.loads(path.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]


def test_real_registry_lists_only_milestones_each_with_a_typed_config(monkeypatch):
    from groundup.milestones.config import describe_fields

    monkeypatch.undo()
    milestones = registry.all_milestones()
    assert len(milestones) >= 11
    for name, m in milestones.items():
        assert name == m.name and m.target and m.expected_time and m.week < 99, name
        for f in describe_fields(m.config):
            assert f.help, f"{name}: field {f.name} has no docstring"


def test_curriculum_order_follows_the_weeks(monkeypatch):
    monkeypatch.undo()
    names = [m.name for m in registry.in_curriculum_order()]
    assert names.index("mlp-mnist") < names.index("optimizers-compare") < names.index("gmm-em")
    assert names.index("lenet-mnist") < names.index("seq2seq-dates") < names.index("vit-mnist")
    assert names.index("gpt-shakespeare") < names.index(
        "frozenlake-tabular"
    )  # Phase 6 before Phase 10
    # Phase 7 (week 15): the autoencoders after the transformers, before RL
    assert (
        names.index("gpt-shakespeare")
        < names.index("vae-mnist")
        < names.index("frozenlake-tabular")
    )
    assert {registry.get(n).week for n in ("vae-mnist", "cvae-mnist", "vqvae-mnist")} == {15}


def test_curves_are_plotted_against_the_loops_unit(tmp_path, monkeypatch):
    import groundup.milestones.runner as runner

    labels = []
    real = runner.plot_curves
    monkeypatch.setattr(
        runner, "plot_curves", lambda *a, **kw: labels.append(kw["x_label"]) or real(*a, **kw)
    )
    run_milestone("toy", runs_dir=tmp_path, show_progress=False)
    assert labels == ["epoch"]


def test_resuming_a_run_of_an_older_groundup_is_a_clear_error(tmp_path):
    old = tmp_path / "toy" / "20250101-000000"
    old.mkdir(parents=True)
    (old / "config.json").write_text(
        '{"milestone": "toy", "seed": 0, "quick": false, "options": {}}'
    )
    with pytest.raises(GroundupError, match="started by an older groundup"):
        run_milestone("toy", runs_dir=tmp_path, resume=True, show_progress=False)
    new = run_milestone("toy", runs_dir=tmp_path / "b", show_progress=False)
    (new.out_dir / "summary.json").unlink()
    np.savez(new.out_dir / "checkpoint.npz", __meta__=np.array("{}"))  # the old format
    with pytest.raises(GroundupError, match=r"cannot resume .*not a groundup run checkpoint"):
        run_milestone("toy", runs_dir=tmp_path / "b", resume=True, show_progress=False)


def test_runs_started_in_the_same_second_get_their_own_directories(tmp_path, monkeypatch):
    import time as time_module

    monkeypatch.setattr(time_module, "strftime", lambda fmt: "20260101-000000")
    # a run that checked the name just before the other created it: the check sees nothing
    real_exists = Path.exists
    monkeypatch.setattr(
        Path, "exists", lambda self: False if self.parent == tmp_path / "toy" else real_exists(self)
    )
    a = run_milestone("toy", runs_dir=tmp_path, show_progress=False, seed=0)
    b = run_milestone("toy", runs_dir=tmp_path, show_progress=False, seed=1)
    assert a.out_dir != b.out_dir and b.out_dir.name == "20260101-000000-2"
    assert json.loads((a.out_dir / "summary.json").read_text())["seed"] == 0
