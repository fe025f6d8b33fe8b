"""The patch-matrix helpers of ``groundup.nn_core.conv.im2col``."""

from __future__ import annotations

import threading

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.nn_core.conv import conv2d as conv2d_module
from groundup.nn_core.conv.conv2d import conv2d, conv2d_geometry
from groundup.nn_core.conv.im2col import im2col, pad_image, scratch, windows


def test_scratch_buffers_are_per_thread():
    # a convolution in another thread must never write into this thread's patch matrix
    mine = scratch((4, 5), np.float32)
    theirs = []
    t = threading.Thread(target=lambda: theirs.append(scratch((4, 5), np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(mine, theirs[0])
    assert np.shares_memory(mine, scratch((2, 3), np.float32))  # reused within a thread


@settings(deadline=None, max_examples=40)
@given(
    n=st.integers(1, 3),
    hw=st.tuples(st.integers(3, 9), st.integers(3, 9)),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
)
def test_one_channel_patches_equal_the_window_view(n, hw, k, stride, padding, dilation):
    # a one-channel image is copied tap by tap, transposed: the same matrix as the window view
    x = np.random.default_rng(0).standard_normal((n, 1, *hw)).astype(np.float32)
    geometry = conv2d_geometry(x.shape, (2, 1, *k), stride, padding, dilation, 1)
    win = windows(pad_image(x, geometry), geometry)  # (N, 1, Ho, Wo, kh, kw)
    expected = win.reshape(1, -1, k[0] * k[1])
    for reuse in (False, True):
        assert np.array_equal(im2col(x, geometry, reuse=reuse), expected)


def test_weight_gradient_is_the_same_with_and_without_the_kept_patch_matrix(monkeypatch):
    # small patch matrices are kept from the forward pass, large ones copied again: both
    # paths give PyTorch's gradients (one-channel and three-channel images)
    rng = np.random.default_rng(0)
    for c_in in (1, 3):
        x0 = rng.standard_normal((2, c_in, 7, 6))
        w0 = rng.standard_normal((4, c_in, 3, 3))
        x_t = torch.tensor(x0, requires_grad=True)
        w_t = torch.tensor(w0, requires_grad=True)
        (F.conv2d(x_t, w_t, padding=1) ** 2).sum().backward()
        for keep_bytes in (conv2d_module.KEEP_COLS_BYTES, 0):
            monkeypatch.setattr(conv2d_module, "KEEP_COLS_BYTES", keep_bytes)
            x = Tensor(x0, requires_grad=True)
            w = Tensor(w0, requires_grad=True)
            (conv2d(x, w, padding=1) ** 2).sum().backward()
            np.testing.assert_allclose(x.grad.data, x_t.grad.numpy(), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(w.grad.data, w_t.grad.numpy(), rtol=1e-10, atol=1e-12)
