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
    assert meta["iter"] == 30 and meta["data"] == "shakespeare"
    out = model.generate(np.array([tok.encode("ROMEO:")]), 5, generator=0)
    assert len(tok.decode(out[0])) == 11


def test_sample_cli_loads_the_checkpoint(tmp_path):
    import typer
    from typer.testing import CliRunner

    from groundup.cli.sample import sample

    result = run_milestone("gpt-shakespeare", quick=True, runs_dir=tmp_path, show_progress=False)
    app = typer.Typer()
    app.command()(sample)
    cli = CliRunner()
    args = [str(result.out_dir), "--prompt", "ROMEO:", "--tokens", "20", "--seed", "1"]
    first = cli.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("ROMEO:") and len(first.output) == 6 + 20 + 1  # + newline
    assert cli.invoke(app, args).output == first.output  # seeded
    assert cli.invoke(app, [*args, "--no-cache"]).output == first.output  # cache changes nothing
    missing = cli.invoke(app, [str(tmp_path / "nope")])
    assert missing.exit_code != 0
    assert "no checkpoint" in str(missing.exception)


def test_gpt_trains_on_any_text_corpus_of_the_registry(tmp_path, monkeypatch):
    import pytest

    from groundup.data import registry
    from groundup.data.registry import DatasetInfo
    from groundup.milestones.base import ConfigError

    text = "To be, or not to be: that is the question.\n" * 200
    corpus = DatasetInfo(
        name="tiny-test-corpus",
        description="a corpus written by the test",
        size="8,600 characters",
        license="none",
        source="tests",
        kind="bundled",
        returns='{"train": str, "val": str}',
        loader=lambda: {"train": text[:7000], "val": text[7000:]},
    )
    monkeypatch.setitem(registry.REGISTRY, corpus.name, corpus)
    result = run_milestone(
        "gpt-shakespeare",
        quick=True,
        options={"data": "tiny-test-corpus", "iters": "10"},
        runs_dir=tmp_path,
        show_progress=False,
    )
    assert result.summary["data"] == "tiny-test-corpus"
    assert result.summary["model_config"]["vocab_size"] == len(set(text))
    assert set(result.summary["sample"]) <= set(text)
    with pytest.raises(ConfigError, match=r"not a text corpus.*shakespeare, .*tiny-test-corpus"):
        run_milestone("gpt-shakespeare", options={"data": "mnist-5k"}, runs_dir=tmp_path)
