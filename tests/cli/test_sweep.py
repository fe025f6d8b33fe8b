"""``groundup sweep`` from the command line: the table, the files, and a one-line error."""

from __future__ import annotations

import pytest

from groundup.cli import main

pytestmark = pytest.mark.xdist_group("ray")


def test_sweep_prints_the_table_and_writes_the_sweep(tmp_path, capsys, ray_local):
    args = "sweep gmm-em --quick --grid n=150 --seeds 2 --runs-dir".split() + [str(tmp_path)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "gmm-em: mean ± std over seeds" in out and "n=150" in out
    (sweep,) = (tmp_path / "gmm-em").glob("sweep-*")
    assert (sweep / "results.md").exists() and (sweep / "curves.png").exists()


def test_a_bad_grid_is_one_line_naming_the_option(tmp_path, capsys, ray_local):
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "gmm-em", "--grid", "m=1,2", "--runs-dir", str(tmp_path)])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "--set m=1: unknown option; the options are: n" in err
