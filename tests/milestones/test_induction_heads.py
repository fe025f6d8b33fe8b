"""The data of the induction-heads milestone: a random prefix, then a segment written twice."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.milestones.induction_heads import Config, copy_mask, repeated_sequences


def test_sequences_repeat_a_segment_of_random_period() -> None:
    cfg = Config()
    tokens, periods = repeated_sequences(200, cfg, np.random.default_rng(0))
    T = cfg.block_size
    assert tokens.shape == (200, T) and tokens.max() < cfg.vocab_size
    assert periods.min() == cfg.min_period and periods.max() == cfg.max_period  # all drawn
    for row, L in zip(tokens, periods):
        assert np.array_equal(row[T - L :], row[T - 2 * L : T - L])
    mask = copy_mask(periods, T)
    # targets t = 1..T-1; the copy targets are the second copy after its first token
    for row, L in zip(mask, periods):
        assert row.sum() == L - 1 and row[-1] and not row[T - L - 1]
    with pytest.raises(ValueError, match="2 \\* max_period <= block_size"):
        repeated_sequences(1, Config(max_period=20), np.random.default_rng(0))
