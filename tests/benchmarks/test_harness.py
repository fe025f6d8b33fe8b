"""The benchmark harness runs and reports ratios (a smoke test: no timing assertions)."""

from __future__ import annotations

import io
import statistics

import numpy as np
import pytest
from rich.console import Console

from benchmarks import WORKLOADS, runner, workload
from benchmarks.cli import main as bench_main
from tests.helpers import assert_close


@pytest.fixture
def tiny_group():
    calls = {"groundup": 0, "reference": 0}

    @workload(group="harness-test", name="tiny sum", reference="NumPy")
    def tiny():
        x = np.arange(10.0)

        def run_g():
            calls["groundup"] += 1
            return x.sum()

        def run_r():
            calls["reference"] += 1
            return np.add.reduce(x)

        return run_g, run_r

    yield calls
    del WORKLOADS[("harness-test", "tiny sum")]


def test_runner_alternates_rounds_and_reports_median_ratio(tiny_group):
    (result,) = runner.run(["harness-test"], rounds=4, min_time=1e-4)
    assert len(result.groundup) == len(result.reference) == 4
    assert tiny_group["groundup"] >= 4 * result.number and tiny_group["reference"] >= 4
    ratios = [g / r for g, r in zip(result.groundup, result.reference)]
    assert result.round_ratios == ratios
    assert result.groundup_median == statistics.median(result.groundup) > 0
    assert result.ratio == result.groundup_median / result.reference_median
    table = runner.markdown_table([result])
    assert "| tiny sum |" in table and f"**{result.ratio:.2f}x**" in table
    assert f"{min(ratios):.2f}-{max(ratios):.2f}x" in table
    console = Console(file=io.StringIO(), width=200)
    console.print(runner.rich_table([result]))
    assert "tiny sum" in console.file.getvalue() and "NumPy" in console.file.getvalue()


def test_ratio_is_the_ratio_of_the_medians_shown_not_the_median_of_round_ratios():
    # issue 14: per-round ratios whose median (0.5x) is far from the medians' ratio
    from benchmarks.registry import Workload

    w = Workload("g", "w", lambda: (None, None), "ref")
    result = runner.Result(w, 1, groundup=[9.5, 5.0, 12.0], reference=[11.3, 10.0, 30.0])
    assert statistics.median(result.round_ratios) == pytest.approx(0.5)
    assert result.ratio == pytest.approx(9.5 / 11.3)
    table = runner.markdown_table([result])
    assert "| 9.5 s | 11.3 s (ref) | **0.84x** | 0.40-0.84x |" in table
    console = Console(file=io.StringIO(), width=200)
    console.print(runner.rich_table([result]))
    shown = console.file.getvalue()
    assert "9.5 s" in shown and "11.3 s" in shown and "0.84x" in shown and "0.52x" not in shown


def test_write_replaces_only_its_own_section(tmp_path, tiny_group):
    doc = tmp_path / "benchmarks.md"
    runner.write_section(doc, "other", "## other\n\nkept")
    runner.write_section(doc, "harness-test", "old table")
    results = bench_main(["harness-test"], rounds=2, write=True, doc_path=doc, min_time=1e-4)
    text = doc.read_text()
    assert len(results) == 1
    assert "old table" not in text and "kept" in text
    assert text.count("<!-- bench:harness-test -->") == 1
    assert "python -m benchmarks harness-test --rounds 2" in text
    assert "| tiny sum |" in text and "BLAS" in text and "num_threads = " in text
    bench_main(["harness-test"], rounds=1, write=True, threads=1, doc_path=doc, min_time=1e-4)
    text = doc.read_text()
    assert "<!-- bench:harness-test@threads=1 -->" in text and "--threads 1" in text
    assert text.count("<!-- bench:harness-test -->") == 1  # the default section is kept


def test_unknown_group_is_a_clear_error(capsys):
    with pytest.raises(ValueError, match=r"unknown benchmark group.*nope.*engine"):
        runner.select(["nope"])
    from groundup.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["bench", "nope"])
    assert exc.value.code == 1
    assert "unknown benchmark group(s) nope" in capsys.readouterr().err


def test_engine_workloads_compute_the_same_thing():
    # both callables of every engine workload give the same output and gradient
    runner.load_workloads()
    engine = [w for (g, _), w in WORKLOADS.items() if g == "engine"]
    assert any("MLP 784-256-10" in w.name for w in engine)
    for w in engine:
        run_g, run_r = w.setup()
        for got, want in zip(run_g(), run_r()):
            assert_close(got, want, msg=w.name)
    result = runner.run_workload(engine[0], rounds=1, warmup=1, min_time=1e-4)
    assert result.ratio > 0 and np.isfinite(result.ratio)


def test_groundup_bench_reads_options_after_group_names(monkeypatch, tiny_group):
    import benchmarks.cli

    seen = {}
    monkeypatch.setattr(
        benchmarks.cli, "main", lambda groups, **kw: seen.update(groups=groups, **kw)
    )
    from groundup.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["bench", "harness-test", "--rounds", "3", "--threads", "1", "--write"])
    assert exc.value.code in (0, None)
    assert seen == {
        "groups": ["harness-test"],
        "rounds": 3,
        "write": True,
        "threads": 1,
        "clock": "wall",
    }
    with pytest.raises(SystemExit):
        main(["bench", "harness-test", "--clock", "cpu"])
    assert seen["clock"] == "cpu"


def test_cpu_clock_times_cpu_and_writes_its_own_section(tmp_path, tiny_group, monkeypatch):
    import time

    doc = tmp_path / "benchmarks.md"
    ticks = []
    real = time.process_time
    monkeypatch.setitem(runner.CLOCKS, "cpu", lambda: ticks.append(1) or real())
    bench_main(
        ["harness-test"], rounds=2, write=True, threads=1, doc_path=doc, min_time=1e-4, clock="cpu"
    )
    assert ticks  # the CPU clock was the one read
    text = doc.read_text()
    assert "<!-- bench:harness-test@threads=1,cpu -->" in text and "--threads 1 --clock cpu" in text
    with pytest.raises(ValueError, match="clock must be one of wall, cpu, got 'gpu'"):
        bench_main(["harness-test"], rounds=1, doc_path=doc, clock="gpu")
