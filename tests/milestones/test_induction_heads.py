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


def test_composing_head_is_the_layer0_head_whose_ablation_breaks_the_copy() -> None:
    from groundup.milestones.induction_heads import _composing_head

    e2 = {"previous": [0.05, 0.6, 0.05], "duplicate": [0.9, 0.1, 0.1]}
    # ablating head 1 hurts most: it is a previous-token head (0.6 >= 1.5 * 0.1)
    assert _composing_head(e2, [0.3, 3.9, 0.2], 0.1)["kind"] == "previous-token"
    # ablating head 0 hurts most: a duplicate-token head
    got = _composing_head(e2, [3.9, 0.3, 0.2], 0.1)
    assert got["head"] == 0 and got["kind"] == "duplicate-token"
    assert got["copy_loss_ablated"] == 3.9
    assert _composing_head(e2, [0.2, 0.3, 3.9], 0.1)["kind"] == "neither"
