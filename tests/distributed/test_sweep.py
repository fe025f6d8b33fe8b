"""``groundup sweep`` (``groundup.distributed.sweep``) on a local Ray instance.

A 2 x 2 sweep of a ``--quick`` milestone writes every trial's run directory and the
aggregated table; a trial that raises is retried and then reported; a trial whose worker
process dies is retried and finishes; an interrupted sweep resumes without touching the
trials that had finished.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from groundup.distributed.sweep import (
    Trial,
    aggregate,
    grid_points,
    parse_grid,
    run_sweep,
    run_trial,
)
from groundup.errors import GroundupError
from groundup.milestones.config import ConfigError

pytestmark = pytest.mark.xdist_group("ray")


def test_grid_parsing_and_points():
    grid = parse_grid(["lr=0.1,0.01", "hidden=512,256;128"])
    assert grid == {"lr": ["0.1", "0.01"], "hidden": ["512,256", "128"]}
    assert len(grid_points(grid)) == 4
    assert grid_points({}) == [{}]
    with pytest.raises(GroundupError, match="expected KEY=V1,V2"):
        parse_grid(["lr"])
    with pytest.raises(GroundupError, match="given twice"):
        parse_grid(["lr=1", "lr=2"])
    assert Trial({"hidden": "512,256"}, 2).id == "hidden-512_256_seed-2"


def test_an_invalid_grid_point_is_refused_before_anything_runs(tmp_path, ray_local):
    with pytest.raises(ConfigError, match="n"):
        run_sweep("gmm-em", {"n": ["150", "1"]}, 1, quick=True, runs_dir=tmp_path)
    assert not list(tmp_path.glob("gmm-em/sweep-*"))


def test_a_2x2_sweep_writes_every_trial_and_the_table(tmp_path, ray_local):
    result = run_sweep("gmm-em", {"n": ["150", "300"]}, 2, quick=True, runs_dir=tmp_path)
    assert [t.status for t in result.trials] == ["finished"] * 4
    for t in result.trials:
        run_dir = Path(t.summary["run_dir"])
        assert run_dir.is_relative_to(result.sweep_dir / "trials" / t.trial.id)
        for name in ("config.json", "metrics.jsonl", "summary.json"):
            assert (run_dir / name).exists(), name
        assert json.loads((run_dir / "config.json").read_text())["config"]["n"] == int(
            t.trial.point["n"]
        )
        assert t.summary["seed"] == t.trial.seed
    rows = {r["point"]: r for r in result.table}
    assert set(rows) == {"n=150", "n=300"}
    for row in rows.values():
        assert row["finished"] == 2 and row["failed"] == 0
        mean, std, n = row["cluster_accuracy"]
        assert n == 2 and 0.5 < mean <= 1.0 and std >= 0
    saved = json.loads((result.sweep_dir / "results.json").read_text())
    assert len(saved["trials"]) == 4
    assert "| n=150 | 2 | 0 |" in (result.sweep_dir / "results.md").read_text()
    assert (result.sweep_dir / "curves.png").stat().st_size > 1000


def test_aggregate_is_the_mean_and_sample_std_over_seeds():
    from groundup.distributed.sweep import TrialResult

    rs = [
        TrialResult(Trial({"a": "1"}, s), "finished", 1, {"acc": x, "seed": s})
        for s, x in enumerate([0.5, 0.7, 0.9])
    ]
    rs.append(TrialResult(Trial({"a": "1"}, 3), "failed", 2, None, "boom"))
    (row,) = aggregate(rs)
    mean, std, n = row["acc"]
    assert (row["finished"], row["failed"], n) == (3, 1, 3)
    assert mean == pytest.approx(0.7) and std == pytest.approx(0.2)
    assert "seed" not in row


# Trial functions the Ray workers run: pickled by value (this module is not importable there).
def flaky_trial(name, options, seed, quick, trial_root):
    """Seed 1 always raises; seed 0 kills its worker process on its first attempt."""
    marker = Path(trial_root) / "attempts"
    marker.parent.mkdir(parents=True, exist_ok=True)
    n = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(n))
    if seed == 1:
        raise RuntimeError(f"boom on attempt {n}")
    if n == 1:
        os._exit(1)  # the worker dies mid-trial
    return run_trial(name, options, seed, quick, trial_root)


@pytest.fixture
def by_value():
    import ray.cloudpickle

    module = sys.modules[__name__]
    ray.cloudpickle.register_pickle_by_value(module)
    yield
    ray.cloudpickle.unregister_pickle_by_value(module)


def test_a_raising_trial_is_retried_then_reported_and_a_dead_worker_is_retried(
    tmp_path, ray_local, by_value
):
    result = run_sweep(
        "gmm-em", {}, 2, quick=True, runs_dir=tmp_path, retries=2, trial_fn=flaky_trial
    )
    dead, raising = result.trials
    assert (dead.status, dead.attempts) == ("finished", 2)
    assert (raising.status, raising.attempts) == ("failed", 3)
    assert raising.error.endswith("boom on attempt 3")
    text = (result.sweep_dir / "results.md").read_text()
    assert "seed 1 (3 attempts): " in text and "boom on attempt 3" in text
    assert result.table[0]["finished"] == 1 and result.table[0]["failed"] == 1


def test_an_interrupted_sweep_resumes_and_keeps_its_finished_trials(tmp_path, ray_local):
    seen = []

    def stop_after_first(r):
        seen.append(r)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            "gmm-em", {"n": ["150"]}, 3, quick=True, runs_dir=tmp_path, on_result=stop_after_first
        )
    (first,) = seen
    finished = Path(first.summary["run_dir"]) / "summary.json"
    stamp = finished.stat().st_mtime_ns
    result = run_sweep("gmm-em", runs_dir=tmp_path, resume=True)
    assert [t.status for t in result.trials] == ["finished"] * 3
    assert finished.stat().st_mtime_ns == stamp  # not run again
    assert len(list(result.sweep_dir.glob("trials/*/gmm-em/*/summary.json"))) == 3
    with pytest.raises(GroundupError, match="drop --grid"):
        run_sweep("gmm-em", {"n": ["150"]}, runs_dir=tmp_path, resume=True)
