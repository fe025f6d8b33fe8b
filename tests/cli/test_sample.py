"""`groundup sample`: escapes in the prompt, and clear errors for runs it cannot sample from."""

from __future__ import annotations

import json

import numpy as np
import pytest

from groundup.cli import main
from groundup.cli.sample import unescape
from groundup.milestones.base import RunContext


def _main(args: list[str]) -> int:
    """Run the CLI as the console script does; its exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code


def test_unescape_turns_backslash_n_into_a_newline():
    assert unescape(r"ROMEO:\nJULIET:\t") == "ROMEO:\nJULIET:\t"
    assert unescape(r"a\\nb") == "a\\nb" and unescape("plain") == "plain"


def _gpt_run(tmp_path):
    from groundup.sequence.tokenizers import CharTokenizer
    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    tok = CharTokenizer.train("ab\nc")
    config = GPTConfig(block_size=8, vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8)
    model = GPT(config, generator=np.random.default_rng(0))
    ctx = RunContext("gpt-shakespeare", tmp_path / "gpt", show_progress=False)
    meta = {"config": config.to_dict(), "tokenizer": tok.to_dict()}
    loop = ctx.loop(1, model=model, meta=meta)
    for _ in loop:
        pass
    return ctx.out_dir


def test_the_default_and_escaped_prompts_work(tmp_path, capsys):
    run = _gpt_run(tmp_path)
    assert _main(["sample", str(run), "--tokens", "5"]) == 0
    assert capsys.readouterr().out.startswith("\n")  # the default prompt: a new line
    assert _main(["sample", str(run), "--prompt", r"ab\nc", "--tokens", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ab\nc") and len(out) == 4 + 5 + 1


def test_an_empty_prompt_says_what_to_type(tmp_path, capsys):
    assert _main(["sample", str(_gpt_run(tmp_path)), "--prompt", ""]) == 1
    err = capsys.readouterr().err
    assert "--prompt '\\n' (backslash n)" in err and len(err.strip().splitlines()) == 1


def test_a_run_of_another_milestone_names_the_runs_sample_reads(tmp_path, capsys):
    ctx = RunContext("mlp-mnist", tmp_path / "mlp", show_progress=False)
    ctx.write_json("config.json", {"milestone": "mlp-mnist"})
    for _ in ctx.loop(1):
        pass
    assert _main(["sample", str(ctx.out_dir)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "is a run of mlp-mnist, not a GPT" in err and "runs of gpt-shakespeare" in err
    assert json.loads((ctx.out_dir / "config.json").read_text())["milestone"] == "mlp-mnist"


def test_an_alignment_run_prints_before_and_after(tmp_path, capsys):
    from groundup.milestones.runner import run_milestone

    run = run_milestone("align-rev", quick=True, runs_dir=tmp_path, show_progress=False)
    assert _main(["sample", str(run.out_dir), "--prompt", r"\nrev:cat;", "--tokens", "4"]) == 0
    out = capsys.readouterr().out.split("\n")
    i, j = (
        out.index("--- before alignment (the reference model) ---"),
        out.index("--- after alignment ---"),
    )
    assert i < j and out[i + 2].startswith("rev:cat;") and out[j + 2].startswith("rev:cat;")
    # the same prompt and seed; the weights differ (SFT and GRPO moved them)
    assert out[i + 2] != out[j + 2]
