"""align-rev: the rev: format is unknown to the base, SFT teaches it, and the summary reports both stages."""

from __future__ import annotations

import pytest

from groundup.alignment import Policy
from groundup.milestones._align import pretrain, tokenizer_and_text
from groundup.milestones.align_rev import Config, exact_match
from groundup.milestones.base import ConfigError
from groundup.milestones.runner import run_milestone


def test_the_base_cannot_reverse_a_word():
    tok, text = tokenizer_and_text()
    cfg = Config().quick()
    base = pretrain(cfg, tok, text)
    assert exact_match(Policy(base, reference=None), tok, ["cat", "dog", "king"], 10, 7) == 0.0


def test_quick_run_logs_sft_then_grpo(tmp_path):
    import json

    run = run_milestone("align-rev", quick=True, runs_dir=tmp_path, show_progress=False)
    rows = [json.loads(x) for x in (run.out_dir / "metrics.jsonl").read_text().splitlines()]
    cfg = Config().quick()
    assert [("sft_loss" in r) for r in rows] == [True] * cfg.sft_steps + [False] * cfg.rl_steps
    assert all("reward" in r for r in rows[cfg.sft_steps :])
    # SFT lowers its loss on the answer tokens
    assert rows[cfg.sft_steps - 1]["sft_loss"] < rows[0]["sft_loss"]
    s = run.summary
    assert {"exact_base", "exact_after_sft", "exact_after_grpo"} <= set(s)


def test_bad_lengths_are_clear_errors():
    with pytest.raises(ConfigError, match="min_len"):
        Config(min_len=6, max_len=4).resolve()
    with pytest.raises(ConfigError, match="block_size"):
        Config(max_len=40).resolve()
