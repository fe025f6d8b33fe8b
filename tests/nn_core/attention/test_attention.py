"""Scaled dot-product attention and MultiheadAttention against PyTorch (values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor, grad
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.attention.multihead import KVCache, MultiheadAttention
from groundup.nn_core.attention.scaled_dot_product import scaled_dot_product_attention as sdpa
from tests.helpers import assert_close, to_torch

TF = torch.nn.functional


def _qkv(rng, B, L, S, E, Ev, dtype=np.float64):
    q = Tensor(rng.standard_normal((B, 2, L, E)).astype(dtype), requires_grad=True)
    k = Tensor(rng.standard_normal((B, 2, S, E)).astype(dtype), requires_grad=True)
    v = Tensor(rng.standard_normal((B, 2, S, Ev)).astype(dtype), requires_grad=True)
    return q, k, v


def _compare_sdpa(q, k, v, mask_g=None, mask_t=None, **kw):
    out = sdpa(q, k, v, attn_mask=mask_g, **kw)
    tq, tk, tv = (to_torch(t) for t in (q, k, v))
    ref = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=mask_t, **kw)
    assert_close(out, ref)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
    out.backward(Tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in ((q, tq), (k, tk), (v, tv)):
        assert_close(a.grad, b.grad)


@given(
    B=st.integers(1, 3),
    L=st.integers(1, 6),
    S=st.integers(1, 6),
    E=st.integers(1, 5),
    kind=st.sampled_from(["none", "bool", "float", "causal", "scale"]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_sdpa_matches_torch(B, L, S, E, kind, dtype):
    rng = np.random.default_rng(B * 100 + L * 10 + S)
    q, k, v = _qkv(rng, B, L, S, E, E + 1, dtype)
    if kind == "bool":
        m = rng.random((L, S)) < 0.7
        m[:, 0] = True
        _compare_sdpa(q, k, v, m, torch.tensor(m))
    elif kind == "float":
        m = rng.standard_normal((B, 1, L, S)).astype(dtype)
        _compare_sdpa(q, k, v, m, torch.tensor(m))
    elif kind == "causal":
        _compare_sdpa(q, k, v, is_causal=True)
    elif kind == "scale":
        _compare_sdpa(q, k, v, scale=0.3)
    else:
        _compare_sdpa(q, k, v)


def test_sdpa_fully_masked_row_is_zero_like_torch():
    rng = np.random.default_rng(0)
    q, k, v = _qkv(rng, 1, 3, 4, 2, 2)
    m = np.ones((3, 4), dtype=bool)
    m[1] = False
    _compare_sdpa(q, k, v, m, torch.tensor(m))
    assert np.all(sdpa(q, k, v, attn_mask=m).data[:, :, 1] == 0)


def test_sdpa_is_stable_for_huge_scores():
    q = Tensor(np.full((1, 2, 3), 1e4))
    out = sdpa(q, q, Tensor(np.arange(6.0).reshape(1, 2, 3)))
    assert np.all(np.isfinite(out.data))


def test_sdpa_float_mask_gradient_and_fused_equals_composite():
    rng = np.random.default_rng(2)
    q, k, v = _qkv(rng, 2, 3, 4, 3, 2)
    m = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    out = sdpa(q, k, v, attn_mask=m, scale=0.5)
    composite = ((q @ k.mT) * 0.5 + m).softmax(-1) @ v
    assert_close(out, composite.data)
    g = Tensor(rng.standard_normal(out.shape))
    fused = grad((out * g).sum(), [q, k, v, m])
    comp = grad((composite * g).sum(), [q, k, v, m])
    for a, b in zip(fused, comp):
        assert_close(a, b)


def test_sdpa_gradient_check_and_double_backward():
    rng = np.random.default_rng(3)
    q, k, v = _qkv(rng, 1, 3, 4, 2, 2)
    report = gradient_check(lambda q, k, v: sdpa(q, k, v, is_causal=True), [q, k, v])
    assert report.passed
    (gq,) = grad((sdpa(q, k, v) ** 2).sum(), [q], create_graph=True)
    (gk_fused,) = grad(gq.sum(), [k])
    comp = ((q @ k.mT) / np.sqrt(2.0)).softmax(-1) @ v
    (gq2,) = grad((comp**2).sum(), [q], create_graph=True)
    (gk_comp,) = grad(gq2.sum(), [k])
    assert_close(gk_fused, gk_comp)


def test_sdpa_dropout_zeroes_weights_and_scales():
    q, k, v = (Tensor(np.zeros((1, 4, 2))) for _ in range(3))
    v = Tensor(np.ones((1, 4, 2)))
    out = sdpa(q, k, v, dropout_p=0.5, generator=np.random.default_rng(0))
    # uniform weights 1/4, kept ones scaled by 2: each output is (number kept)/2
    assert set(np.round(out.data[..., 0].ravel() * 2).tolist()) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert not np.allclose(out.data, 1.0)


def test_sdpa_bad_input_messages():
    a = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="same last dimension E"):
        sdpa(a, Tensor(np.zeros((2, 3, 5))), a)
    with pytest.raises(ValueError, match="number of positions S"):
        sdpa(a, a, Tensor(np.zeros((2, 2, 4))))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(5, 5\)"):
        sdpa(a, a, a, attn_mask=np.ones((5, 5), dtype=bool))
    with pytest.raises(ValueError, match="not both"):
        sdpa(a, a, a, attn_mask=np.ones((3, 3), dtype=bool), is_causal=True)


# ------------------------------------------------------------------ MultiheadAttention


def _twin(E, h, batch_first, bias=True):
    ours = MultiheadAttention(E, h, bias=bias, batch_first=batch_first, dtype=np.float64)
    ref = torch.nn.MultiheadAttention(E, h, bias=bias, batch_first=batch_first, dtype=torch.float64)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in ref.state_dict().items()})
    return ours, ref


@given(
    N=st.integers(1, 3),
    L=st.integers(1, 5),
    S=st.integers(1, 5),
    heads=st.sampled_from([1, 2, 4]),
    batch_first=st.booleans(),
    mask=st.sampled_from(["none", "bool", "float", "padding", "both", "per_head"]),
    need_weights=st.booleans(),
    average=st.booleans(),
    self_attn=st.booleans(),
)
def test_multihead_matches_torch(
    N, L, S, heads, batch_first, mask, need_weights, average, self_attn
):
    E = 8
    rng = np.random.default_rng(N * 100 + L * 10 + S)
    ours, ref = _twin(E, heads, batch_first)
    if self_attn:
        S = L
    shape_q = (N, L, E) if batch_first else (L, N, E)
    shape_k = (N, S, E) if batch_first else (S, N, E)
    q = Tensor(rng.standard_normal(shape_q), requires_grad=True)
    k = q if self_attn else Tensor(rng.standard_normal(shape_k), requires_grad=True)
    v = q if self_attn else Tensor(rng.standard_normal(shape_k), requires_grad=True)
    am = kpm = None
    if mask in ("bool", "both"):
        am = rng.random((L, S)) < 0.3
        am[:, 0] = False
    if mask == "float":
        am = rng.standard_normal((L, S))
    if mask == "per_head":
        am = rng.standard_normal((N * heads, L, S))
    if mask in ("padding", "both"):
        kpm = rng.random((N, S)) < 0.3
        kpm[:, 0] = False
    tq = to_torch(q)
    tk = tq if self_attn else to_torch(k)
    tv = tq if self_attn else to_torch(v)
    out, w = ours(
        q,
        k,
        v,
        key_padding_mask=kpm,
        attn_mask=am,
        need_weights=need_weights,
        average_attn_weights=average,
    )
    t_out, t_w = ref(
        tq,
        tk,
        tv,
        key_padding_mask=None if kpm is None else torch.tensor(kpm),
        attn_mask=None if am is None else torch.tensor(am),
        need_weights=need_weights,
        average_attn_weights=average,
    )
    assert_close(out, t_out)
    if need_weights:
        assert_close(w, t_w)
    else:
        assert w is None
    g = rng.standard_normal(out.shape)
    out.backward(Tensor(g))
    t_out.backward(torch.tensor(g))
    assert_close(q.grad, tq.grad)
    if not self_attn:
        assert_close(k.grad, tk.grad)
    for name, p in ours.named_parameters():
        assert_close(p.grad, ref.get_parameter(name).grad, msg=name)


def test_multihead_unbatched_and_causal():
    ours, ref = _twin(6, 3, batch_first=True)
    x = np.random.default_rng(0).standard_normal((4, 6))
    causal = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    out, w = ours(Tensor(x), Tensor(x), Tensor(x), is_causal=True)
    t_out, t_w = ref(*[torch.tensor(x)] * 3, attn_mask=causal)
    assert_close(out, t_out)
    assert_close(w, t_w)


def test_multihead_kv_cache_equals_full_causal_attention():
    ours, _ = _twin(8, 2, batch_first=True)
    x = Tensor(np.random.default_rng(1).standard_normal((2, 5, 8)))
    full, _ = ours(x, x, x, is_causal=True, need_weights=False)
    cache = KVCache()
    steps = [ours(x[:, :2], x[:, :2], x[:, :2], is_causal=True, kv_cache=cache)[0]]
    for t in range(2, 5):
        xt = x[:, t : t + 1]
        steps.append(ours(xt, xt, xt, is_causal=True, kv_cache=cache, need_weights=False)[0])
    assert len(cache) == 5
    assert_close(np.concatenate([s.data for s in steps], axis=1), full.data)


def test_multihead_bad_input_messages():
    mha = MultiheadAttention(8, 2, batch_first=True)
    x = Tensor(np.zeros((2, 3, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="divisible by num_heads=3"):
        MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match=r"key_padding_mask should have shape \(2, 3\)"):
        mha(x, x, x, key_padding_mask=np.zeros((2, 4), dtype=bool))
    with pytest.raises(ValueError, match=r"attn_mask should have shape \(3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((4, 4), dtype=bool))
    with pytest.raises(ValueError, match="embed_dim=8"):
        mha(Tensor(np.zeros((2, 3, 5))), x, x)


def test_multihead_finite_differences():
    ours, _ = _twin(4, 2, batch_first=True)
    rng = np.random.default_rng(4)
    q = Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    kv = Tensor(rng.standard_normal((2, 5, 4)), requires_grad=True)
    am = rng.standard_normal((3, 5))
    for need_weights in (False, True):
        report = gradient_check(
            lambda q, kv, *_, nw=need_weights: ours(q, kv, kv, attn_mask=am, need_weights=nw)[0],
            [q, kv, ours.in_proj_weight, ours.out_proj.weight],
        )
        assert report.passed, report
