"""Dropout is applied where the model declares it: every Dropout module runs in a training
forward, and attention-weight dropout changes the output on its own (the other tests use
dropout 0, where a forgotten dropout cannot show)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from groundup.nn_core.regularization.dropout import Dropout
from groundup.sequence.transformers.encoder import TransformerEncoder, TransformerEncoderLayer
from groundup.sequence.transformers.gpt import GPT, GPTConfig
from groundup.sequence.transformers.vit import ViT


def _gpt():
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8, dropout=0.3)
    return GPT(config, dtype=np.float64, generator=0), np.arange(12).reshape(2, 6) % 11


def _encoder(norm_first: bool):
    layer = TransformerEncoderLayer(
        8,
        2,
        16,
        dropout=0.3,
        batch_first=True,
        norm_first=norm_first,
        dtype=np.float64,
        generator=0,
    )
    x = np.random.default_rng(0).normal(size=(2, 5, 8))
    return TransformerEncoder(layer, 2), x


def _vit():
    model = ViT(
        image_size=8, patch_size=4, num_classes=3, dim=8, depth=2, heads=2, mlp_dim=16,
        dropout=0.3, dtype=np.float64, generator=0,
    )  # fmt: skip
    return model, np.random.default_rng(0).normal(size=(2, 1, 8, 8))


MODELS = {
    "gpt": _gpt,
    "encoder-post-norm": lambda: _encoder(False),
    "encoder-pre-norm": lambda: _encoder(True),
    "vit": _vit,
}


def _output(model, x):
    out = model(x)
    return (out[0] if isinstance(out, tuple) else out).data


@pytest.mark.parametrize("name", list(MODELS))
def test_every_dropout_module_runs_in_a_training_forward(name: str) -> None:
    model, x = MODELS[name]()
    drops = {n: m for n, m in model.named_modules() if isinstance(m, Dropout)}
    assert drops, "the model has no Dropout module"
    calls: Counter[str] = Counter()
    for n, m in drops.items():
        m.register_forward_hook(lambda mod, args, out, n=n: calls.update([n]))
    model.train()
    _output(model, x)
    assert sorted(n for n in drops if calls[n] == 0) == []


@pytest.mark.parametrize("name", list(MODELS))
def test_attention_dropout_alone_changes_the_training_output(name: str) -> None:
    model, x = MODELS[name]()
    for m in model.modules():
        if isinstance(m, Dropout):
            m.p = 0.0  # only the attention weights' dropout is left
    model.eval()
    expected = _output(model, x)
    model.train()
    assert not np.allclose(_output(model, x), expected)
