"""align-dpo: the pieces of its report (rank correlation, the stages) and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.milestones.align_dpo import Config, rank_correlation
from groundup.milestones.base import ConfigError
from groundup.milestones.runner import run_milestone


def test_rank_correlation_is_spearman():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50)
    assert rank_correlation(a, b) == pytest.approx(spearmanr(a, b).statistic)
    assert rank_correlation(a, a**3) == pytest.approx(1.0)
    assert rank_correlation(a, np.zeros(50)) == 0.0
    ties = np.round(b)  # gold scores tie often: ties share their mean rank
    assert rank_correlation(a, ties) == pytest.approx(spearmanr(a, ties).statistic)


def test_quick_run_reports_the_reward_model_and_every_beta(tmp_path):
    run = run_milestone("align-dpo", quick=True, runs_dir=tmp_path, show_progress=False)
    s = run.summary
    rm = s["reward_model"]
    assert 0 <= rm["heldout_accuracy"] <= 1 and 0.5 <= rm["noise_ceiling_expected"] <= 1
    for beta in Config().quick().betas:
        r = s[f"dpo_beta_{beta}"]
        assert r["kl"] > 0 and 0 <= r["implicit_reward_accuracy"] <= 1
    assert s["base"]["kl"] == 0.0 and (run.out_dir / "dpo.png").exists()


def test_bad_lengths_are_clear_errors():
    with pytest.raises(ConfigError, match="block_size"):
        Config(prompt_length=40, max_new_tokens=40).resolve()
