"""Every milestone: an interrupted-and-resumed ``--quick`` run equals an uninterrupted one.

The interrupt is a Ctrl-C (KeyboardInterrupt) right after the run's first checkpoint (or,
for the milestones that fit in one call, at their first logged row); ``--resume`` must
then give the same metrics, summary and final weights as a run that was never stopped.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import groundup.milestones as registry
from groundup.errors import GroundupError
from groundup.milestones.base import RunContext
from groundup.milestones.loop import TrainingLoop, load_checkpoint
from groundup.milestones.runner import run_milestone

# --set options that give the quick run more than one checkpoint to resume from
CASES = {
    "mlp-mnist": {},
    "optimizers-compare": {},
    "classical-benchmark": {"datasets": "iris,wine"},
    "gmm-em": {},
    "tsne-digits": {},
    "lenet-mnist": {},
    "resnet-cifar10": {"epochs": "2"},
    "unet-denoise": {"epochs": "2"},
    "seq2seq-dates": {},
    "vit-mnist": {"epochs": "2"},
    "gpt-shakespeare": {},
    "frozenlake-tabular": {},
    "pendulum-sac": {},
    "pendulum-td3": {},
    "pendulum-ddpg": {},
    "pendulum-ppo": {},
    "fgsm-mnist": {},
    "induction-heads": {},
    "gpt-circuits": {},
    "attribution-mnist": {},
    "cartpole-reinforce": {},
    "cartpole-a2c": {},
    "cartpole-ppo": {},
    "cartpole-trpo": {},
    "cartpole-dqn": {"double": "true"},
    "cartpole-bc": {},
    "cartpole-cql": {},
    "reach-her": {},
    "vae-mnist": {},
    "cvae-mnist": {},
    "vqvae-mnist": {},
    "gan-mnist": {},
    "dcgan-mnist": {},
    "wgan-gp-mnist": {},
    "cgan-mnist": {},
    "dcgan-cifar10": {},
    "ddpm-digits": {},
    "ddpm-mnist": {},
    "align-compare": {},
    "align-rev": {},
    "align-dpo": {},
}
# wall-clock figures differ between any two runs
TIMES = {"time", "seconds", "run_dir", "images_per_second", "train_seconds"}
TIMES |= {"train_cpu_seconds", "ms_per_iter", "groundup_fit_s", "sklearn_fit_s"}
TIMES |= {"ms_per_step", "ddim_seconds", "ancestral_seconds"}


def _without_times(obj):
    if isinstance(obj, dict):
        return {k: _without_times(v) for k, v in obj.items() if k not in TIMES}
    if isinstance(obj, list):
        return [_without_times(v) for v in obj]
    return obj


def _rows(run_dir):
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [_without_times(json.loads(line)) for line in lines]


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def test_every_milestone_has_a_resume_case():
    assert set(CASES) == set(registry.all_milestones())


@pytest.mark.parametrize("name", list(CASES))
def test_interrupted_and_resumed_quick_run_equals_an_uninterrupted_one(name, tmp_path, monkeypatch):
    options = CASES[name]
    straight = run_milestone(
        name, quick=True, options=options, runs_dir=tmp_path / "straight", show_progress=False
    )

    real_save, real_log = TrainingLoop.save, RunContext.log

    def save_then_interrupt(self, done):
        real_save(self, done)
        raise KeyboardInterrupt  # Ctrl-C right after the first checkpoint

    def log_then_interrupt(self, *args, **kwargs):
        real_log(self, *args, **kwargs)
        if self._loop is None:  # a milestone without a loop: Ctrl-C at its first row
            raise KeyboardInterrupt

    monkeypatch.setattr(TrainingLoop, "save", save_then_interrupt)
    monkeypatch.setattr(RunContext, "log", log_then_interrupt)
    with pytest.raises(GroundupError, match="interrupted"):
        run_milestone(
            name, quick=True, options=options, runs_dir=tmp_path / "resumed", show_progress=False
        )
    monkeypatch.setattr(TrainingLoop, "save", real_save)
    monkeypatch.setattr(RunContext, "log", real_log)
    (stopped,) = list((tmp_path / "resumed" / name).iterdir())
    if (straight.out_dir / "checkpoint.npz").exists():  # stopped part-way, with a checkpoint
        assert 0 < load_checkpoint(stopped)["done"] < load_checkpoint(straight.out_dir)["done"]
    resumed = run_milestone(name, resume=True, runs_dir=tmp_path / "resumed", show_progress=False)

    assert _rows(resumed.out_dir) == _rows(straight.out_dir)
    assert _without_times(resumed.summary) == _without_times(straight.summary)
    if (straight.out_dir / "checkpoint.npz").exists():
        a, b = load_checkpoint(straight.out_dir), load_checkpoint(resumed.out_dir)
        assert a["done"] == b["done"] and a["metrics_rows"] == b["metrics_rows"]
        for key in a["model"] or {}:
            np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
