"""The patch-matrix helpers of ``groundup.nn_core.conv.im2col``."""

from __future__ import annotations

import threading

import numpy as np

from groundup.nn_core.conv.im2col import scratch


def test_scratch_buffers_are_per_thread():
    # a convolution in another thread must never write into this thread's patch matrix
    mine = scratch((4, 5), np.float32)
    theirs = []
    t = threading.Thread(target=lambda: theirs.append(scratch((4, 5), np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(mine, theirs[0])
    assert np.shares_memory(mine, scratch((2, 3), np.float32))  # reused within a thread
