"""The attention-only transformer: its two starting points and its bad input."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.interpretability.attn_only import AttnOnlyTransformer


def test_init_is_pytorch_defaults_or_gpt2() -> None:
    size = {"vocab_size": 64, "n_layer": 2, "n_head": 4, "d_model": 64, "block_size": 32}
    default = AttnOnlyTransformer(**size, generator=0)
    # PyTorch's defaults: nn.Embedding N(0, 1), nn.Linear U(-1/sqrt(d), 1/sqrt(d))
    assert default.transformer.wte.weight.data.std() == pytest.approx(1.0, rel=0.05)
    W = default.transformer.h[0].attn.c_attn.weight.data
    assert np.abs(W).max() <= 1 / 8 and W.std() == pytest.approx(1 / 8 / np.sqrt(3), rel=0.05)
    gpt2 = AttnOnlyTransformer(**size, generator=0, init_std=0.02)
    for p in gpt2.parameters():
        assert p.data.std() == pytest.approx(0.02, rel=0.1)


def test_bad_input_names_the_shape() -> None:
    model = AttnOnlyTransformer(
        vocab_size=5, n_layer=1, n_head=1, d_model=4, block_size=3, generator=0
    )
    with pytest.raises(ValueError, match=r"T <= 3, got \(1, 4\)"):
        model(np.zeros((1, 4), dtype=np.int64))
