"""The gpt-shakespeare milestone's --quick run, its checkpoint, and loading it for sampling."""

from __future__ import annotations

import json

import numpy as np

from groundup.milestones.runner import run_milestone


def test_gpt_shakespeare_quick_run_and_checkpoint(tmp_path):
    from groundup.milestones.gpt_shakespeare import load_model

    result = run_milestone("gpt-shakespeare", quick=True, runs_dir=tmp_path, show_progress=False)
    summary, run_dir = result.summary, result.out_dir
    assert summary["val_loss"] < np.log(76) - 0.2  # learning started (uniform is ln 76 = 4.33)
    assert len(summary["sample"]) == 50
    saved = json.loads((run_dir / "summary.json").read_text())
    assert saved["iters"] == 30
    model, tok, meta = load_model(run_dir)
    assert tok.vocab_size == model.config.vocab_size == 76
    assert meta["iter"] == 30
    out = model.generate(np.array([tok.encode("ROMEO:")]), 5, generator=0)
    assert len(tok.decode(out[0])) == 11
