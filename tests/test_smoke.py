"""The package installs, imports, and its console script answers."""

import subprocess
import sys

import groundup


def test_version_matches_metadata():
    from importlib.metadata import version

    assert groundup.__version__ == version("groundup")


def test_cli_version_and_error_line():
    out = subprocess.run(
        [sys.executable, "-m", "groundup", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"groundup {groundup.__version__}"
    bad = subprocess.run(
        [sys.executable, "-m", "groundup", "run", "no-such-milestone"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and "no-such-milestone" in bad.stderr
    assert "Traceback" not in bad.stderr
