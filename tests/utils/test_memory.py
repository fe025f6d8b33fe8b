"""reuse_freed_memory: a repeated large allocation stops costing page faults."""

from __future__ import annotations

import resource
import sys

import numpy as np
import pytest

from groundup.utils.memory import reuse_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_a_training_steps_arrays_are_served_without_page_faults():
    assert reuse_freed_memory() is True

    def step():
        return np.ones(2 * 2**20, dtype=np.float32).sum()  # an 8 MB array, freed at once

    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # mapped afresh each time, an 8 MB array is 2,048 faults (4 KB pages); kept, none
    assert faults < 200, f"{faults} page faults in 10 allocations of 8 MB"
