"""run_with_cache / run_with_hooks: names, exactness of the cache, replacements, clean-up."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import Tensor
from groundup.architectures.lenet import LeNet5
from groundup.interpretability.attn_only import AttnOnlyTransformer
from groundup.interpretability.hooks import hook_points, run_with_cache, run_with_hooks
from groundup.sequence.transformers.gpt import GPT, GPTConfig


def _gpt(pos: str = "learned") -> GPT:
    cfg = GPTConfig(block_size=12, vocab_size=17, n_layer=2, n_head=2, n_embd=16, pos=pos)
    return GPT(cfg, dtype=np.float64, generator=3)


TOKENS = np.random.default_rng(0).integers(0, 17, size=(3, 10))


def _no_hooks_left(model) -> bool:
    return all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


@pytest.mark.parametrize("pos", ["learned", "rope"])
def test_the_cache_is_the_un_hooked_forward(pos: str) -> None:
    model = _gpt(pos)
    plain, _ = model(TOKENS)
    logits, cache = run_with_cache(model, TOKENS)
    assert np.array_equal(logits.data, plain.data)
    assert _no_hooks_left(model)
    # independent reads of the same tensors with bare module hooks
    seen = {}
    for i, block in enumerate(model.transformer.h):
        block.register_forward_hook(lambda m, a, out, i=i: seen.setdefault(("post", i), out.data))
        block.attn.register_forward_hook(
            lambda m, a, out, i=i: seen.setdefault(("attn", i), out.data)
        )
    model(TOKENS)
    B, T = TOKENS.shape
    for i in range(2):
        assert np.array_equal(cache["resid_post", i], seen[("post", i)])
        assert np.array_equal(cache["attn_out", i], seen[("attn", i)])
        # the residual stream adds up, bit for bit (the forward's own additions)
        mid = cache["resid_pre", i] + cache["attn_out", i]
        assert np.array_equal(cache["resid_mid", i], mid)
        assert np.array_equal(cache["resid_post", i], mid + cache["mlp_out", i])
        # z is the pattern applied to v (the fused attention never stores the pattern)
        z = np.einsum("bhqk,bkhd->bqhd", cache["pattern", i], cache["v", i])
        np.testing.assert_allclose(cache["z", i], z, rtol=1e-10, atol=1e-12)
        assert cache["z", i].shape == (B, T, 2, 8) and cache["pattern", i].shape == (B, 2, T, T)
        assert np.all(np.triu(cache["pattern", i], k=1) == 0)
    assert np.array_equal(cache["resid_pre", 1], cache["resid_post", 0])
    if pos == "learned":
        assert np.array_equal(cache["resid_pre", 0], cache["embed"] + cache["pos_embed"])
    else:
        assert "hook_pos_embed" not in cache
    w = model.lm_head.weight.data
    np.testing.assert_allclose(cache["ln_final.hook_normalized"] @ w.T, logits.data, rtol=1e-12)


def test_names_are_in_forward_order() -> None:
    names = list(hook_points(_gpt()))
    assert names[:3] == ["hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre"]
    assert names[-2:] == ["blocks.1.hook_resid_post", "ln_final.hook_normalized"]
    assert names.index("blocks.0.attn.hook_q") < names.index("blocks.0.attn.hook_z")
    assert names.index("blocks.0.hook_attn_out") < names.index("blocks.0.hook_mlp_out")


def test_identity_hooks_change_nothing_and_replacements_act() -> None:
    model = _gpt()
    plain = model(TOKENS)[0].data
    every = lambda name: "pattern" not in name and "scores" not in name  # noqa: E731
    same = run_with_hooks(model, TOKENS, [(every, lambda act, hook: act)])
    assert np.array_equal(same.data, plain)
    # the last residual stream of another input gives that input's logits
    other = TOKENS[::-1].copy()
    _, cache = run_with_cache(model, other, names_filter="blocks.1.hook_resid_post")
    assert list(cache) == ["blocks.1.hook_resid_post"]
    patched = run_with_hooks(
        model, TOKENS, [("blocks.1.hook_resid_post", lambda act, hook: cache[hook.name])]
    )
    assert np.array_equal(patched.data, model(other)[0].data)

    # zeroing one head's z changes the output; the same zeros written through c_proj agree
    def kill_head(act, hook):
        out = act.data.copy()
        out[:, :, 1] = 0
        return out

    zeroed = run_with_hooks(model, TOKENS, [("blocks.0.attn.hook_z", kill_head)])
    assert not np.allclose(zeroed.data, plain)
    _, c = run_with_cache(model, TOKENS, ["blocks.0.attn.hook_z"])
    z = c["z", 0].copy()
    z[:, :, 1] = 0
    proj = model.transformer.h[0].attn.c_proj
    manual = z.reshape(3, 10, 16) @ proj.weight.data.T + proj.bias.data
    _, cache_z = run_with_cache(model, TOKENS, ["blocks.0.hook_attn_out"])
    assert not np.allclose(cache_z["attn_out", 0], manual)  # the un-hooked run is untouched
    got = {}
    run_with_hooks(
        model,
        TOKENS,
        [
            ("blocks.0.attn.hook_z", kill_head),
            ("blocks.0.hook_attn_out", lambda act, hook: got.setdefault("a", act.data)),
        ],
    )
    np.testing.assert_allclose(got["a"], manual, rtol=1e-12, atol=1e-14)
    assert _no_hooks_left(model)


def test_replacing_q_k_v_and_read_only_pattern() -> None:
    model = _gpt()
    _, cache = run_with_cache(model, TOKENS)
    # writing back the same q, k and v through the split-and-stack path is exact
    same = run_with_hooks(
        model, TOKENS, [(f"blocks.0.attn.hook_{x}", lambda a, h: a * 1.0) for x in "qkv"]
    )
    assert np.array_equal(same.data, model(TOKENS)[0].data)
    # v of zero: attention outputs only c_proj's bias
    got = {}
    run_with_hooks(
        model,
        TOKENS,
        [
            ("blocks.0.attn.hook_v", lambda a, h: np.zeros(a.shape)),
            ("blocks.0.attn.hook_z", lambda a, h: got.setdefault("z", a.data)),
        ],
    )
    assert np.array_equal(got["z"], np.zeros_like(cache["z", 0]))
    with pytest.raises(ValueError, match="read-only"):
        run_with_hooks(model, TOKENS, [("blocks.0.attn.hook_pattern", lambda a, h: a)])
    with pytest.raises(ValueError, match=r"returned shape \(2,\), expected \(3, 10, 16\)"):
        run_with_hooks(model, TOKENS, [("blocks.0.hook_attn_out", lambda a, h: np.zeros(2))])
    with pytest.raises(KeyError, match=r"no hook point 'blocks\.7\.hook_z'"):
        run_with_hooks(model, TOKENS, [("blocks.7.hook_z", lambda a, h: None)])
    assert _no_hooks_left(model)  # removed after an error too


def test_attention_only_model_and_generic_modules() -> None:
    model = AttnOnlyTransformer(
        vocab_size=9, n_layer=2, n_head=2, d_model=8, block_size=8, generator=0
    )
    toks = np.random.default_rng(1).integers(0, 9, size=(2, 8))
    logits, cache = run_with_cache(model, toks)
    assert "blocks.0.hook_mlp_out" not in cache and "blocks.1.attn.hook_pattern" in cache
    assert np.array_equal(cache["resid_post", 0], cache["resid_pre", 0] + cache["attn_out", 0])
    np.testing.assert_allclose(
        cache["resid_post", 1] @ model.lm_head.weight.data.T, logits.data, rtol=1e-6
    )
    net = LeNet5(generator=np.random.default_rng(0))
    x = Tensor(np.random.default_rng(2).standard_normal((2, 1, 28, 28)).astype(np.float32))
    out, c = run_with_cache(net, x)
    assert "conv1" in c and np.array_equal(c["fc3"], out.data)
