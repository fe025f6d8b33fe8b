"""``python -m benchmarks [GROUP ...] [--rounds N] [--write]``."""

from benchmarks.cli import run_from_argv

run_from_argv()
