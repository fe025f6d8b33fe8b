"""The GPT as a policy: cached sampling, stop tokens, completion log-probs/entropies, references."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.alignment.lora import LoRALinear, apply_lora
from groundup.alignment.policy import (
    Policy,
    completion_logprobs,
    gpt_hidden_states,
    sample,
)
from groundup.sequence.transformers.gpt import GPT, GPTConfig
from tests.helpers import assert_close

CFG = GPTConfig(block_size=12, vocab_size=7, n_layer=2, n_head=2, n_embd=8)


def tiny_gpt(dtype=np.float64, seed=0):
    return GPT(CFG, dtype=dtype, generator=seed)


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


@pytest.mark.parametrize("kw", [{}, {"temperature": 0.7, "top_k": 3}, {"top_p": 0.8}])
def test_cached_sampling_gives_generates_tokens(kw):
    model = tiny_gpt()
    prompts = np.array([[1, 2, 3], [4, 5, 6], [0, 0, 1]])
    out = sample(model, prompts, max_new_tokens=6, generator=5, **kw)
    ref = model.generate(prompts, 6, use_cache=False, generator=5, **kw)
    assert np.array_equal(out.completions, ref[:, 3:])
    assert out.mask.sum() == 18 and out.truncated.all() and (out.lengths == 6).all()


def test_stop_tokens_end_a_completion_and_what_follows_is_padding():
    model = tiny_gpt()
    prompts = np.repeat(np.array([[1, 2]]), 64, axis=0)
    free = sample(model, prompts, max_new_tokens=8, generator=3)
    out = sample(model, prompts, max_new_tokens=8, stop_tokens=[4], pad_token=6, generator=3)
    assert 0 < (~out.truncated).sum() < 64  # some rows stop, some hit the limit
    for row in range(64):
        n = out.lengths[row]
        # the same tokens as without the stop, up to and including the stop token
        assert np.array_equal(out.completions[row, :n], free.completions[row, :n])
        assert out.mask[row, :n].all() and not out.mask[row, n:].any()
        assert (out.completions[row, n:] == 6).all()
        stopped = 4 in free.completions[row]
        assert out.truncated[row] == (not stopped)
        if stopped:
            assert out.completions[row, n - 1] == 4 and 4 not in out.completions[row, : n - 1]


def test_sampling_frequencies_follow_softmax_at_the_temperature():
    model = tiny_gpt()
    prompts = np.repeat(np.array([[3]]), 20_000, axis=0)
    out = sample(model, prompts, max_new_tokens=1, temperature=0.5, generator=0)
    p = np.exp(log_softmax(model(np.array([[3]]))[0].data[0, -1] / 0.5))
    freq = np.bincount(out.completions[:, 0], minlength=7) / 20_000
    se = np.sqrt(p * (1 - p) / 20_000)
    assert np.all(np.abs(freq - p) < 4 * se + 1e-12)


def test_completion_logprobs_entropy_and_logits():
    model = tiny_gpt()
    q = np.array([[1, 2, 3], [4, 5, 6]])
    o = np.array([[0, 6, 2, 2], [3, 3, 1, 5]])
    for T in (1.0, 2.0):
        logp, entropy, z = completion_logprobs(model, q, o, temperature=T)
        full = model(np.concatenate([q, o], 1))[0].data  # (B, 7, V)
        lp = log_softmax(full[:, 2:6] / T)  # positions P-1 .. P+L-2
        assert_close(logp.data, np.take_along_axis(lp, o[:, :, None], -1)[..., 0])
        assert_close(entropy, -(np.exp(lp) * lp).sum(-1))
        assert_close(z.data, full[:, 2:6] / T)
    # differentiable: d sum(logp) / d theta reaches the embedding
    logp.sum().backward()
    assert np.abs(model.transformer.wte.weight.grad.data).max() > 0
    with pytest.raises(ValueError, match="temperature must be > 0"):
        completion_logprobs(model, q, o, temperature=0.0)


def test_hidden_states_are_the_trunk_of_the_forward():
    model = tiny_gpt()
    idx = np.array([[1, 2, 3, 4]])
    h = gpt_hidden_states(model, idx)
    assert_close(model.lm_head(h).data, model(idx)[0].data)


def test_references_copy_and_lora():
    q, o = np.array([[1, 2]]), np.array([[3, 4, 5]])
    model = tiny_gpt()
    policy = Policy(model, reference="copy")
    before, _ = policy.ref_logprobs(q, o)
    assert_close(before, policy.logprobs(q, o)[0].data)
    for p in model.parameters():
        p.data += 0.1
    after, _ = policy.ref_logprobs(q, o)
    assert np.array_equal(before, after)
    assert not np.allclose(policy.logprobs(q, o)[0].data, before)

    base = tiny_gpt()
    base_logp = completion_logprobs(base, q, o)[0].data
    lora = apply_lora(tiny_gpt(), r=2, generator=0)
    for m in lora.modules():
        if isinstance(m, LoRALinear):
            m.lora_B.weight.data[:] = 0.3
    policy = Policy(lora, reference="lora")
    assert_close(policy.ref_logprobs(q, o)[0], base_logp)
    assert not np.allclose(policy.logprobs(q, o)[0].data, base_logp)
    with pytest.raises(ValueError, match="needs a model with LoRA"):
        Policy(tiny_gpt(), reference="lora")


def test_errors():
    model = tiny_gpt()
    with pytest.raises(ValueError, match="exceeds the model's block_size 12"):
        sample(model, np.zeros((1, 5), np.int64), max_new_tokens=8)
    with pytest.raises(ValueError, match=r"prompts must have shape \(B, P\)"):
        sample(model, np.zeros(5, np.int64), max_new_tokens=2)
