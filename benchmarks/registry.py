"""The workload registry: how a benchmark module declares what to time.

A workload is a function that prepares identical inputs for groundup and for the
reference library and returns the two callables to time::

    from benchmarks.registry import workload

    @workload(group="nn", name="linear 256->128, batch 64: fwd+bwd")
    def linear():
        x, w = ...                     # the same values for both
        def run_groundup(): ...
        def run_reference(): ...
        return run_groundup, run_reference

Put workloads for group ``GROUP`` in ``benchmarks/bench_GROUP.py``; the runner imports
every ``bench_*.py`` module, so nothing else needs registering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Pair = tuple[Callable[[], object], Callable[[], object]]


@dataclass(frozen=True)
class Workload:
    """One thing to time: ``setup()`` returns ``(groundup_fn, reference_fn)``."""

    group: str
    """The group it is reported in (``engine``, ``nn``, ``classical``, ...)."""
    name: str
    """What is timed, with the sizes: ``"add 4x4: fwd+bwd"``."""
    setup: Callable[[], Pair]
    """Prepares identical inputs once and returns the two callables."""
    reference: str
    """The reference library's name, as the table shows it."""


WORKLOADS: dict[tuple[str, str], Workload] = {}


def workload(
    group: str, name: str, reference: str = "PyTorch CPU"
) -> Callable[[Callable[[], Pair]], Callable[[], Pair]]:
    """Register ``setup`` as the workload ``name`` of ``group`` (a decorator)."""

    def register(setup: Callable[[], Pair]) -> Callable[[], Pair]:
        key = (group, name)
        if key in WORKLOADS and WORKLOADS[key].setup is not setup:
            raise ValueError(f"benchmark workload {name!r} is registered twice in group {group!r}")
        WORKLOADS[key] = Workload(group, name, setup, reference)
        return setup

    return register
