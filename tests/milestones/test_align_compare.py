"""align-compare: every method really learns the lipogram task (a behavioural regression).

A tiny character GPT (1 layer, width 32) pretrained for 200 iterations passes about 3%
of held-out lipogram prompts. Each method, from that same policy with the same prompts,
learning rate 2e-3 and $\\mu = 2$ epochs of 2 minibatches, must reach the pass rate below
after the token budget. Measured at this seed (1 BLAS thread), held-out pass rates after
8,000 tokens: GRPO 0.61, PPO 0.77, Dr. GRPO 0.77, DAPO 0.56, GSPO 0.38, TRPO 0.25;
SAPO 0.41 after 12,000 (0.125 after 8,000). The thresholds are about half of those.
"""

from __future__ import annotations

import numpy as np
import pytest

from groundup.alignment import Policy
from groundup.alignment.tasks import lipogram_prompts
from groundup.alignment.tasks.common import encode_prompts
from groundup.milestones._align import pretrain, tokenizer_and_text
from groundup.milestones.align_compare import (
    Config,
    CountedReward,
    evaluate,
    reward_at_kl,
    run_method,
)
from groundup.milestones.base import ConfigError

TINY = Config(
    n_layer=1,
    n_head=2,
    n_embd=32,
    block_size=40,
    pretrain_iters=200,
    prompt_length=16,
    max_new_tokens=24,
    prompts_per_step=4,
    num_generations=8,
    lr=2e-3,
    eval_every=1000,
    eval_prompts=64,
)


@pytest.fixture(scope="module")
def setup():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        tok, text = tokenizer_and_text()
        base = pretrain(TINY, tok, text)
    rng = np.random.default_rng(1)
    pool = encode_prompts(tok, lipogram_prompts(text["train"], 16, 2000, rng))
    held = encode_prompts(tok, lipogram_prompts(text["val"], 16, 64, rng))
    return tok, base, pool, held


@pytest.mark.parametrize(
    ("method", "budget", "after"),
    [
        ("grpo", 8000, 0.3),
        ("ppo", 8000, 0.4),
        ("dr_grpo", 8000, 0.4),
        ("dapo", 8000, 0.3),
        ("gspo", 8000, 0.2),
        ("sapo", 12000, 0.2),
        ("trpo", 8000, 0.12),
    ],
)
def test_each_method_learns_the_lipogram_from_the_same_policy(setup, method, budget, after):
    from threadpoolctl import threadpool_limits

    tok, base, pool, held = setup
    before, _ = evaluate(Policy(base), tok, held, 24, np.random.default_rng(7))
    assert before < 0.1
    cfg = Config(**{**TINY.__dict__, "token_budget": budget})
    with threadpool_limits(1):
        h = run_method(method, cfg, base, tok, pool, held, 3, 7, lambda **kw: None)
    assert h["tokens"][-1] >= budget and len(h["reward"]) >= 10
    assert h["eval_reward"][-1] >= after, (method, h["eval_reward"])
    assert h["eval_kl"][-1] > 0  # it moved away from the reference


def test_counted_reward_counts_the_completion_tokens_it_scores():
    tok, _ = tokenizer_and_text()
    r = CountedReward(tok)
    o = np.array([tok.encode("Go to it\n"), tok.encode("the end\nx")])  # (2, 9)
    m = np.array([[1.0] * 9, [1.0] * 8 + [0.0]])
    out = r(np.zeros((2, 1), np.int64), o, m)
    np.testing.assert_array_equal(out, [1.0, 0.0])
    assert r.tokens == 17


def test_reward_at_matched_kl_interpolates_on_the_running_maximum():
    assert reward_at_kl([0.0, 1.0, 2.0], [0.0, 0.5, 1.0], 1.5) == pytest.approx(0.75)
    # a KL that dips back does not move the curve back
    assert reward_at_kl([0.0, 2.0, 1.0, 3.0], [0.0, 0.4, 0.9, 1.0], 2.5) == pytest.approx(0.7)


def test_bad_methods_and_lengths_are_clear_errors():
    with pytest.raises(ConfigError, match="methods"):
        Config(methods=("grpo", "reinforce")).resolve()
    with pytest.raises(ConfigError, match="block_size"):
        Config(prompt_length=40, max_new_tokens=40).resolve()


def test_a_gpt_shakespeare_run_is_the_base_with_set_base(tmp_path):
    from groundup.errors import GroundupError
    from groundup.milestones.runner import run_milestone

    gpt = run_milestone("gpt-shakespeare", quick=True, runs_dir=tmp_path, show_progress=False)
    opts = {
        "base": str(gpt.out_dir),
        "methods": "grpo",
        "prompt_length": "6",
        "max_new_tokens": "8",
    }
    run = run_milestone(
        "align-compare", quick=True, options=opts, runs_dir=tmp_path, show_progress=False
    )
    assert (
        run.summary["base"]["base"] == str(gpt.out_dir) and run.summary["base"]["base_iters"] == 30
    )
    assert list(run.summary["methods"]) == ["grpo"]
    # the quick GPT reads 16 characters: 12 + 12 do not fit, and the error says so
    with pytest.raises(GroundupError, match="block_size 16"):
        run_milestone(
            "align-compare",
            quick=True,
            options={"base": str(gpt.out_dir)},
            runs_dir=tmp_path,
            show_progress=False,
        )
