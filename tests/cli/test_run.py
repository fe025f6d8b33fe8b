"""`groundup run`: the compact --list, --list NAME, number formatting, one-line errors."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from groundup.cli import main
from groundup.cli.run import format_number, list_milestones, show_milestone
from groundup.milestones import in_curriculum_order


def _printed(fn, *args) -> list[str]:
    console = Console(file=io.StringIO(), width=80, record=True, color_system=None)
    fn(console, *args)
    return console.export_text().splitlines()


def _main(args: list[str]) -> int:
    """Run the CLI as the console script does; its exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code


def test_list_is_a_compact_80_column_table_in_curriculum_order():
    lines = _printed(list_milestones)
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["name", "what", "target", "time"]
    names = [line.split()[0] for line in lines[1:] if line and not line.startswith(" ")]
    order = [m.name for m in in_curriculum_order()]
    assert [n for n in names if n in order] == order
    assert len(lines) < 4 * len(order) + 3  # a few lines per milestone, not thirty


def test_list_name_shows_every_option_with_type_default_and_help():
    text = "\n".join(_printed(show_milestone, "mlp-mnist"))
    for expected in ("hidden", "ints, comma-separated", "512,256", "Hidden layer sizes"):
        assert expected in text
    assert "--set data=mnist" in text and "target: test_accuracy >= 0.96" in text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12834.0, "12,834"),
        (12834.56, "12,835"),
        (3.0, "3"),
        (0.98125, "0.9812"),
        (1.7764602661132813, "1.776"),
        (123.456, "123.5"),
        (1.5e-05, "1.5e-05"),
        (0.0, "0"),
        (61706, "61,706"),
        (True, "True"),
        (float("nan"), "nan"),
    ],
)
def test_numbers_are_formatted_for_reading(value, shown):
    assert format_number(value) == shown


def test_a_quick_run_says_its_target_is_not_checked(tmp_path, capsys):
    assert _main(["run", "gmm-em", "--quick", "--no-progress", "--runs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not checked (quick run)" in out and "None" not in out
    assert "done (quick run: target not checked)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "--epochs 0: epochs (int or none) must be >= 1"),
        (["--epochs", "-3"], "--epochs -3: epochs (int or none) must be >= 1"),
        (["--set", "hidden=0"], "hidden (ints, comma-separated) each item must be >= 1"),
        (["--set", "hiden=1"], "unknown option; the options are: data, hidden, epochs"),
    ],
)
def test_bad_options_are_one_line_errors(args, message, tmp_path, capsys):
    code = _main(["run", "mlp-mnist", *args, "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_mine_trains_cartpole_ppo_on_the_learner_code(tmp_path):
    """``groundup run cartpole-ppo --mine`` imports the workspace's ``ppo.py``, not the library's."""
    import subprocess
    import sys

    from groundup.learn import catalog
    from groundup.learn.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    ws.start("ppo")
    module = "groundup.rl.policy_gradient.ppo"
    ref = catalog.reference_file(module).read_text(encoding="utf-8")
    mine = ws.learner_file(module)
    mine.write_text(ref + '\nprint("the learner\'s ppo", flush=True)\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "groundup", "run", "cartpole-ppo", "--quick", "--mine"]
    cmd += ["--no-progress", "--runs-dir", str(tmp_path / "runs")]
    proc = subprocess.run(cmd, cwd=ws.root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "using your code of: ppo" in proc.stderr
    assert "the learner's ppo" in proc.stdout
    assert "done (quick run" in proc.stdout
    assert list((tmp_path / "runs" / "cartpole-ppo").rglob("checkpoint.npz"))
    # without --mine the library's own ppo.py trains: the learner's line is not printed
    plain = subprocess.run(
        [a for a in cmd if a != "--mine"], cwd=ws.root, capture_output=True, text=True, timeout=600
    )
    assert plain.returncode == 0, plain.stderr
    assert "the learner's ppo" not in plain.stdout
