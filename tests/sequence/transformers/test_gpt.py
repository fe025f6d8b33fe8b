"""GPT against a PyTorch GPT of the same architecture, causality, KV-cache generation, sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.sequence.transformers.gpt import GPT, GPTConfig, sample_next
from tests.helpers import assert_close

tnn, TF = torch.nn, torch.nn.functional


# ------------------------------------------------------------------ the PyTorch twin (nanoGPT's layout)
def _rope(x, offset=0):
    T, d = x.shape[-2:]
    theta = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(offset, offset + T, dtype=torch.float64)[:, None] * theta
    ang = torch.cat([ang, ang], -1)
    rot = torch.cat([-x[..., d // 2 :], x[..., : d // 2]], -1)
    return x * ang.cos() + rot * ang.sin()


class TorchBlock(tnn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.ln_1 = tnn.LayerNorm(c.n_embd, bias=c.bias, dtype=torch.float64)
        self.attn = tnn.Module()
        self.attn.c_attn = tnn.Linear(c.n_embd, 3 * c.n_embd, bias=c.bias, dtype=torch.float64)
        self.attn.c_proj = tnn.Linear(c.n_embd, c.n_embd, bias=c.bias, dtype=torch.float64)
        self.ln_2 = tnn.LayerNorm(c.n_embd, bias=c.bias, dtype=torch.float64)
        self.mlp = tnn.Module()
        self.mlp.c_fc = tnn.Linear(c.n_embd, 4 * c.n_embd, bias=c.bias, dtype=torch.float64)
        self.mlp.c_proj = tnn.Linear(4 * c.n_embd, c.n_embd, bias=c.bias, dtype=torch.float64)

    def forward(self, x):
        B, T, C = x.shape
        h = self.c.n_head
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, h, C // h).transpose(1, 2) for t in (q, k, v))
        if self.c.pos == "rope":
            q, k = _rope(q), _rope(k)
        y = TF.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn.c_proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp.c_proj(
            TF.gelu(self.mlp.c_fc(self.ln_2(x)), approximate=self.c.approximate)
        )


class TorchGPT(tnn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = tnn.ModuleDict(
            {"wte": tnn.Embedding(c.vocab_size, c.n_embd, dtype=torch.float64)}
        )
        if c.pos == "learned":
            self.transformer["wpe"] = tnn.Embedding(c.block_size, c.n_embd, dtype=torch.float64)
        self.transformer["h"] = tnn.ModuleList([TorchBlock(c) for _ in range(c.n_layer)])
        self.transformer["ln_f"] = tnn.LayerNorm(c.n_embd, bias=c.bias, dtype=torch.float64)
        self.lm_head = tnn.Linear(c.n_embd, c.vocab_size, bias=False, dtype=torch.float64)
        self.lm_head.weight = self.transformer.wte.weight

    def forward(self, idx, targets):
        x = self.transformer.wte(idx)
        if self.c.pos == "learned":
            x = x + self.transformer.wpe(torch.arange(idx.shape[1]))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return logits, TF.cross_entropy(logits.flatten(0, 1), targets.flatten())


def _pair(c: GPTConfig, seed: int = 0):
    ours = GPT(c, dtype=np.float64, generator=seed)
    ref = TorchGPT(c)
    missing = ref.load_state_dict(
        {k: torch.tensor(v.data) for k, v in ours.state_dict().items()}, strict=True
    )
    assert not missing.missing_keys
    return ours, ref


@given(
    n_layer=st.integers(1, 2),
    n_head=st.sampled_from([1, 2]),
    T=st.integers(1, 8),
    bias=st.booleans(),
    pos=st.sampled_from(["learned", "rope"]),
    approximate=st.sampled_from(["tanh", "none"]),
)
def test_gpt_logits_and_gradients_match_torch(n_layer, n_head, T, bias, pos, approximate):
    c = GPTConfig(8, 13, n_layer, n_head, 8, 0.0, bias, pos, approximate)
    ours, ref = _pair(c, seed=T)
    rng = np.random.default_rng(T)
    idx, tgt = rng.integers(0, 13, (2, T)), rng.integers(0, 13, (2, T))
    logits, loss = ours(idx, tgt)
    t_logits, t_loss = ref(torch.tensor(idx), torch.tensor(tgt))
    assert_close(logits, t_logits)
    assert_close(loss, t_loss)
    loss.backward()
    t_loss.backward()
    t_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, t_params[name].grad, msg=name)


def test_gpt_is_causal_by_gradients():
    """The loss at position t has zero gradient with respect to the inputs after t."""
    c = GPTConfig(8, 11, 2, 2, 8)
    model = GPT(c, dtype=np.float64, generator=0)
    idx = np.random.default_rng(0).integers(0, 11, (1, 8))
    emb = Tensor(model.transformer.wte.weight.data[idx], requires_grad=True)  # (1, 8, C)
    tr = model.transformer
    x = emb + tr.wpe(np.arange(8))
    for block in tr.h:
        x = block(x)
    logits = model.lm_head(tr.ln_f(x))
    t = 3
    logits[0, t].log_softmax(-1)[idx[0, t]].backward()
    g = np.abs(emb.grad.data[0]).sum(-1)  # (8,)
    assert np.all(g[t + 1 :] == 0.0)
    assert np.all(g[: t + 1] > 0.0)


@pytest.mark.parametrize("pos", ["learned", "rope"])
def test_generation_with_kv_cache_gives_the_same_tokens(pos):
    c = GPTConfig(block_size=6, vocab_size=17, n_layer=2, n_head=2, n_embd=16, pos=pos)
    model = GPT(c, dtype=np.float64, generator=1)
    prompt = np.array([[1, 2, 3], [4, 5, 6]])
    for kw in ({"temperature": 0.0}, {"temperature": 1.0, "top_k": 5}, {"top_p": 0.9}):
        # 12 new tokens: the window of 6 fills and slides, the cache is rebuilt
        a = model.generate(prompt, 12, use_cache=True, generator=3, **kw)
        b = model.generate(prompt, 12, use_cache=False, generator=3, **kw)
        assert a.shape == (2, 15)
        np.testing.assert_array_equal(a, b)


def test_kv_cache_logits_equal_full_forward():
    c = GPTConfig(block_size=8, vocab_size=10, n_layer=2, n_head=2, n_embd=8, pos="rope")
    model = GPT(c, dtype=np.float64, generator=2)
    idx = np.random.default_rng(1).integers(0, 10, (2, 7))
    full, _ = model(idx)
    from groundup.nn_core.attention.multihead import KVCache

    caches = [KVCache() for _ in range(2)]
    parts = [model(idx[:, :4], kv_caches=caches)[0], model(idx[:, 4:6], kv_caches=caches)[0]]
    parts.append(model(idx[:, 6:], kv_caches=caches)[0])
    assert_close(np.concatenate([p.data for p in parts], 1), full.data)


def test_sample_next_top_k_top_p_and_greedy():
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    assert sample_next(logits, 0.0)[0] == 0
    draws = [sample_next(logits, 1.0, top_k=2, generator=i)[0] for i in range(200)]
    assert set(draws) == {0, 1}
    draws = [sample_next(logits, 1.0, top_p=0.85, generator=i)[0] for i in range(300)]
    assert set(draws) == {0, 1, 2}  # 0.5 + 0.3 < 0.85: the third token is needed
    draws = [sample_next(logits, 1.0, generator=i)[0] for i in range(2000)]
    freq = np.bincount(draws, minlength=4) / 2000
    assert np.abs(freq - [0.5, 0.3, 0.15, 0.05]).max() < 0.04


def test_configure_optimizers_decay_groups():
    model = GPT(GPTConfig(8, 11, 1, 2, 8), generator=0)
    opt = model.configure_optimizers(0.1, 1e-3)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim == 2 for p in decay["params"]) and all(
        p.ndim == 1 for p in no_decay["params"]
    )
    n = sum(p.numel() for g in opt.param_groups for p in g["params"])
    assert n == model.num_parameters()
    assert model.lm_head.weight is model.transformer.wte.weight


def test_gpt_init_statistics():
    model = GPT(GPTConfig(64, 50, 2, 4, 128), generator=0)
    assert abs(model.transformer.wte.weight.data.std() - 0.02) < 0.002
    std = model.transformer.h[0].attn.c_proj.weight.data.std()
    assert abs(std - 0.02 / math.sqrt(4)) < 0.001


def test_gpt_bad_input_messages():
    model = GPT(GPTConfig(block_size=4, vocab_size=5, n_layer=1, n_head=1, n_embd=4), generator=0)
    with pytest.raises(ValueError, match=r"length 5 exceeds the context length block_size=4"):
        model(np.zeros((1, 5), dtype=np.int64))
    with pytest.raises(IndexError, match="token id 7 is outside the vocabulary of size 5"):
        model(np.array([[1, 7]]))
    with pytest.raises(ValueError, match=r"shape \(B, T\)"):
        model(np.zeros(3, dtype=np.int64))
    # generate crops the context instead
    assert model.generate(np.zeros((1, 6), dtype=np.int64), 2, generator=0).shape == (1, 8)
    with pytest.raises(ValueError, match="top_p must be in"):
        sample_next(np.zeros((1, 3)), 1.0, top_p=1.5)


def test_sample_next_temperature_reshapes_the_distribution():
    r"""Sampling at temperature $\tau$ draws from $p_i^{1/\tau} / \sum_j p_j^{1/\tau}$."""
    p = np.array([0.5, 0.3, 0.15, 0.05])
    logits = np.repeat(np.log(p)[None], 4000, axis=0)  # one draw per row
    for tau in (0.5, 2.0):
        freq = np.bincount(sample_next(logits, tau, generator=0), minlength=4) / 4000
        q = p ** (1 / tau) / (p ** (1 / tau)).sum()
        assert np.abs(freq - q).max() < 0.03, (tau, freq, q)


# ------------------------------------------------------------------ construction
def test_gelu_is_one_name_approximate_with_a_deprecated_alias():
    import warnings

    from groundup.sequence.transformers.decoder import MLP

    c = GPTConfig(block_size=4, vocab_size=5, n_layer=1, n_head=1, n_embd=4, approximate="none")
    model = GPT(c, generator=0)
    assert all(m.approximate == "none" for m in model.modules() if isinstance(m, MLP))
    assert "gelu" not in c.to_dict() and c.to_dict()["approximate"] == "none"
    with pytest.warns(DeprecationWarning, match="GPTConfig.gelu is deprecated.*approximate"):
        old = GPTConfig(gelu="none")  # configs saved before the rename still load
    assert old.approximate == "none"
    with pytest.warns(DeprecationWarning):
        assert old.gelu == "none"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert GPTConfig().approximate == "tanh"
    with pytest.raises(
        ValueError, match=r"GPTConfig.approximate must be 'tanh' or 'none', got 'erf'"
    ):
        GPTConfig(approximate="erf")


def test_blocks_are_built_with_keywords_only():
    from groundup.sequence.transformers.decoder import MLP, CausalSelfAttention, DecoderBlock

    with pytest.raises(TypeError, match="positional"):
        DecoderBlock(8, 2, True, 0.0, False, False)
    with pytest.raises(TypeError, match="positional"):
        CausalSelfAttention(8, 2, True)
    with pytest.raises(TypeError, match="positional"):
        MLP(8, True)
    block = DecoderBlock(8, 2, bias=False, approximate="tanh", generator=0)
    assert block.mlp.approximate == "tanh" and block.attn.c_attn.bias is None
