"""TransformerEncoderLayer / TransformerEncoder against PyTorch's, carrying the same weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.nn_core.normalization.layernorm import LayerNorm
from groundup.sequence.transformers.decoder import DecoderBlock
from groundup.sequence.transformers.encoder import TransformerEncoder, TransformerEncoderLayer
from tests.helpers import assert_close


def _load(ours, ref):
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in ref.state_dict().items()})


@given(
    norm_first=st.booleans(),
    activation=st.sampled_from(["relu", "gelu"]),
    batch_first=st.booleans(),
    N=st.integers(1, 3),
    S=st.integers(1, 5),
    mask=st.sampled_from(["none", "padding", "causal"]),
)
def test_encoder_layer_matches_torch(norm_first, activation, batch_first, N, S, mask):
    kw = dict(dim_feedforward=12, dropout=0.0, activation=activation, batch_first=batch_first)
    ref = torch.nn.TransformerEncoderLayer(8, 2, norm_first=norm_first, dtype=torch.float64, **kw)
    ours = TransformerEncoderLayer(8, 2, norm_first=norm_first, dtype=np.float64, **kw)
    _load(ours, ref)
    rng = np.random.default_rng(N * 10 + S)
    x = rng.standard_normal((N, S, 8) if batch_first else (S, N, 8))
    kpm = am = None
    if mask == "padding":
        kpm = rng.random((N, S)) < 0.3
        kpm[:, 0] = False
    if mask == "causal":
        am = np.triu(np.ones((S, S), dtype=bool), 1)
    xg, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ours(xg, src_mask=am, src_key_padding_mask=kpm)
    t_out = ref(
        xt,
        src_mask=None if am is None else torch.tensor(am),
        src_key_padding_mask=None if kpm is None else torch.tensor(kpm),
    )
    assert_close(out, t_out)
    g = rng.standard_normal(out.shape)
    out.backward(Tensor(g))
    t_out.backward(torch.tensor(g))
    assert_close(xg.grad, xt.grad)
    t_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, t_params[name].grad, msg=name)


def test_encoder_stack_with_final_norm_matches_torch():
    layer_t = torch.nn.TransformerEncoderLayer(8, 4, 16, 0.0, batch_first=True, dtype=torch.float64)
    ref = torch.nn.TransformerEncoder(
        layer_t, 3, norm=torch.nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False
    )
    for p in ref.parameters():  # the copies start equal: make them differ
        torch.nn.init.normal_(p, std=0.3)
    layer = TransformerEncoderLayer(8, 4, 16, 0.0, batch_first=True, dtype=np.float64)
    ours = TransformerEncoder(layer, 3, norm=LayerNorm(8, dtype=np.float64))
    assert set(ours.state_dict()) == set(ref.state_dict())
    _load(ours, ref)
    x = np.random.default_rng(0).standard_normal((2, 5, 8))
    assert_close(ours(Tensor(x)), ref(torch.tensor(x)))


def test_encoder_copies_are_independent_and_bad_activation():
    layer = TransformerEncoderLayer(8, 2, 16, batch_first=True)
    enc = TransformerEncoder(layer, 2)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(
        enc.layers[0].linear1.weight.data, enc.layers[1].linear1.weight.data
    )
    with pytest.raises(ValueError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(8, 2, activation="tanh")


def test_decoder_block_cross_attention_matches_manual_composition():
    block = DecoderBlock(8, 2, cross_attention=True, dtype=np.float64, generator=0)
    rng = np.random.default_rng(0)
    x, mem = Tensor(rng.standard_normal((2, 4, 8))), Tensor(rng.standard_normal((2, 6, 8)))
    out = block(x, memory=mem)
    h = x + block.attn(block.ln_1(x))
    h = h + block.cross_attn(block.ln_c(h), mem, mem, need_weights=False)[0]
    assert_close(out, (h + block.mlp(block.ln_2(h))).data)
    # the decoder is causal in x but sees all of memory: changing x[:, 3] leaves positions < 3
    x2 = Tensor(x.data.copy())
    x2.data[:, 3] += 1.0
    assert_close(block(x2, memory=mem).data[:, :3], out.data[:, :3])
    with pytest.raises(ValueError, match="needs memory"):
        block(x)


def test_finite_differences_encoder_layer_and_decoder_block():
    from groundup.foundations.gradient_check import gradient_check

    rng = np.random.default_rng(5)
    for norm_first in (False, True):
        layer = TransformerEncoderLayer(
            4, 2, 6, 0.0, "gelu", batch_first=True, norm_first=norm_first, dtype=np.float64
        )
        x = Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
        params = [layer.self_attn.in_proj_weight, layer.linear1.weight, layer.norm2.weight]
        report = gradient_check(
            lambda x, *_, layer=layer: layer(
                x, src_key_padding_mask=np.array([[0, 0, 1], [0, 0, 0]], bool)
            ),
            [x, *params],
        )
        assert report.passed, report
    block = DecoderBlock(4, 2, cross_attention=True, rope=True, dtype=np.float64, generator=1)
    x = Tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mem = Tensor(rng.standard_normal((1, 2, 4)), requires_grad=True)
    report = gradient_check(lambda x, m, *_: block(x, memory=m), [x, mem, block.attn.c_attn.weight])
    assert report.passed, report
