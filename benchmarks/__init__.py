"""groundup's benchmarks: the same workload in groundup and in the reference library.

Run ``python -m benchmarks [GROUP ...] [--rounds N] [--write]`` or
``groundup bench [GROUP ...]``. Workloads live in ``benchmarks/bench_GROUP.py`` and
register themselves with :func:`benchmarks.registry.workload`.
"""

from benchmarks.registry import WORKLOADS, Workload, workload

__all__ = ["WORKLOADS", "Workload", "workload"]
