"""RoPE (relative-position property, against a complex-number reference) and sinusoidal tables."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.positional import (
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    sinusoidal_table,
)
from tests.helpers import assert_close


@given(
    d=st.sampled_from([2, 4, 8]),
    i=st.integers(0, 30),
    j=st.integers(0, 30),
    shift=st.integers(0, 50),
)
def test_rope_score_depends_only_on_offset(d, i, j, shift):
    rng = np.random.default_rng(d)
    q, k = rng.standard_normal(d), rng.standard_normal(d)
    rope = RotaryEmbedding(d)
    T = max(i, j) + shift + 1
    Q = rope(Tensor(np.tile(q, (T, 1)))).data  # q at every position
    K = rope(Tensor(np.tile(k, (T, 1)))).data
    # <R_i q, R_j k> == <R_{i+s} q, R_{j+s} k>
    assert np.isclose(Q[i] @ K[j], Q[i + shift] @ K[j + shift], rtol=1e-9, atol=1e-9)


def test_rope_is_a_rotation_matching_complex_multiplication():
    d, T = 6, 5
    x = np.random.default_rng(0).standard_normal((2, T, d))
    y = RotaryEmbedding(d)(Tensor(x)).data
    theta = 10000.0 ** (-np.arange(0, d, 2) / d)
    z = (x[..., : d // 2] + 1j * x[..., d // 2 :]) * np.exp(1j * np.arange(T)[:, None] * theta)
    assert_close(y, np.concatenate([z.real, z.imag], -1))
    assert_close(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1))
    # offsets continue the positions
    tail = RotaryEmbedding(d)(Tensor(x[:, 3:]), offset=3).data
    assert_close(tail, y[:, 3:])


def test_rope_gradient_check():
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    assert gradient_check(lambda x: RotaryEmbedding(4)(x), [x]).passed
    with pytest.raises(ValueError, match="dim must be even"):
        RotaryEmbedding(3)


def test_sinusoidal_table_matches_formula_and_module():
    pe = sinusoidal_table(50, 16, dtype=np.float64)
    m, i = np.arange(50)[:, None], np.arange(8)
    ref = torch.zeros(50, 16, dtype=torch.float64)
    ref[:, 0::2] = torch.tensor(np.sin(m / 10000 ** (2 * i / 16)))
    ref[:, 1::2] = torch.tensor(np.cos(m / 10000 ** (2 * i / 16)))
    assert_close(pe, ref)
    enc = SinusoidalPositionalEncoding(16, max_len=50, dtype=np.float64)
    assert_close(enc(Tensor(np.zeros((2, 7, 16)))).data[1], pe[:7])
    with pytest.raises(ValueError, match="exceed max_len=50"):
        enc(Tensor(np.zeros((1, 51, 16))))
