"""Seq2seq with attention: attention weights, teacher forcing vs free running, greedy and beam search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.sequence.recurrent import (
    AdditiveAttention,
    DotAttention,
    Seq2Seq,
    Seq2SeqConfig,
    beam_search,
)
from tests.helpers import assert_close, to_torch


def _model(attention: str, seed: int = 0) -> Seq2Seq:
    config = Seq2SeqConfig(
        src_vocab_size=9, tgt_vocab_size=7, embedding_dim=5, hidden_size=4,
        decoder_hidden_size=8, attention=attention, attention_size=6,
    )  # fmt: skip
    return Seq2Seq(config, generator=np.random.default_rng(seed)).double()


def _src(B: int, S: int, rng: np.random.Generator) -> np.ndarray:
    """Random source tokens 1..8, right-padded with 0 to random lengths (at least 1 real token)."""
    src = rng.integers(1, 9, size=(B, S))
    lengths = rng.integers(1, S + 1, size=B)
    src[np.arange(S)[None, :] >= lengths[:, None]] = 0
    return src


@given(
    B=st.integers(1, 4), S=st.integers(1, 6), Q=st.integers(1, 5), K=st.integers(1, 5),
    A=st.integers(1, 5), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_additive_attention_matches_the_formula_in_torch(B, S, Q, K, A, seed):
    rng = np.random.default_rng(seed)
    att = AdditiveAttention(Q, K, A, generator=rng).double()
    s = Tensor(rng.standard_normal((B, Q)), requires_grad=True)
    h = Tensor(rng.standard_normal((B, S, K)), requires_grad=True)
    mask = _src(B, S, rng) != 0
    context, weights = att(s, h, mask)
    assert context.shape == (B, K) and weights.shape == (B, S)
    assert_close(weights.data.sum(-1), np.ones(B))
    assert not weights.data[~mask].any()  # padding gets exactly zero weight
    # the same formula written directly in torch
    s_t, h_t = to_torch(s), to_torch(h)
    W_q, W_k = torch.tensor(att.query_proj.weight.data), torch.tensor(att.key_proj.weight.data)
    b_k, v = torch.tensor(att.key_proj.bias.data), torch.tensor(att.v.weight.data[0])
    e = torch.tanh((s_t @ W_q.T)[:, None, :] + h_t @ W_k.T + b_k) @ v
    alpha = torch.softmax(e.masked_fill(~torch.tensor(mask), -torch.inf), dim=-1)
    c = (alpha[:, :, None] * h_t).sum(1)
    assert_close(weights, alpha)
    assert_close(context, c)
    g = rng.standard_normal((B, K))
    (context * Tensor(g)).sum().backward()
    (c * torch.tensor(g)).sum().backward()
    assert_close(s.grad, s_t.grad)
    assert_close(h.grad, h_t.grad)


@pytest.mark.parametrize("general", [False, True])
def test_dot_attention_matches_the_formula_in_torch(general):
    rng = np.random.default_rng(0)
    K = 4
    att = DotAttention(3 if general else K, K, general=general, generator=rng).double()
    s = Tensor(rng.standard_normal((2, att.query_size)), requires_grad=True)
    h = Tensor(rng.standard_normal((2, 5, K)), requires_grad=True)
    context, weights = att(s, h)
    s_t, h_t = to_torch(s), to_torch(h)
    q = s_t @ torch.tensor(att.W.weight.data).T if general else s_t
    alpha = torch.softmax((h_t @ q[:, :, None])[..., 0], dim=-1)
    assert_close(weights, alpha)
    assert_close(context, (alpha[:, :, None] * h_t).sum(1))
    assert_close(weights.data.sum(-1), np.ones(2))


def test_attention_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"query_size == key_size, got 3 and 4"):
        DotAttention(3, 4)
    att = AdditiveAttention(3, 4, 5)
    with pytest.raises(
        ValueError,
        match=r"expected query_size=3 and key_size=4, got query \(2, 3\) and keys \(2, 6, 5\)",
    ):
        att(Tensor(np.zeros((2, 3), np.float32)), Tensor(np.zeros((2, 6, 5), np.float32)))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 5\) does not match .* \(2, 6\)"):
        att(
            Tensor(np.zeros((2, 3), np.float32)),
            Tensor(np.zeros((2, 6, 4), np.float32)),
            np.ones((2, 5), bool),
        )


@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_model_attention_rows_sum_to_one_over_real_source_positions(attention):
    model = _model(attention)
    rng = np.random.default_rng(1)
    src, tgt_in = _src(3, 6, rng), rng.integers(3, 7, size=(3, 4))
    logits, weights = model(src, tgt_in)
    assert logits.shape == (3, 4, 7) and weights.shape == (3, 4, 6)
    assert_close(weights.data.sum(-1), np.ones((3, 4)))
    assert not weights.data.transpose(0, 2, 1)[src == 0].any()


def test_teacher_forcing_step_t_reads_only_the_true_prefix():
    model = _model("additive")
    rng = np.random.default_rng(2)
    src, tgt_in = _src(2, 5, rng), rng.integers(3, 7, size=(2, 6))
    changed = tgt_in.copy()
    changed[:, 3] = np.where(changed[:, 3] == 3, 4, 3)
    a, b = model(src, tgt_in)[0].data, model(src, changed)[0].data
    assert_close(a[:, :3], b[:, :3])  # steps before 3 cannot see y_3
    assert np.abs(a[:, 3:] - b[:, 3:]).max() > 1e-6  # steps from 3 on read it


def test_free_running_ignores_the_targets_and_feeds_its_own_argmax():
    model = _model("dot")
    rng = np.random.default_rng(3)
    src = _src(3, 5, rng)
    tgt_a, tgt_b = rng.integers(3, 7, size=(3, 6)), rng.integers(3, 7, size=(3, 6))
    tgt_a[:, 0] = tgt_b[:, 0] = model.config.bos_idx
    a = model(src, tgt_a, teacher_forcing_ratio=0.0)[0].data
    assert_close(a, model(src, tgt_b, teacher_forcing_ratio=0.0)[0].data)
    # ... and the tokens it fed itself are what greedy decoding emits (before any EOS)
    tokens, _ = model.greedy_decode(src, max_len=6)
    free = a.argmax(-1)
    for i in range(3):
        n = (
            tokens.shape[1]
            if model.config.eos_idx not in tokens[i]
            else list(tokens[i]).index(2) + 1
        )
        np.testing.assert_array_equal(tokens[i, :n], free[i, :n])
    # with ratio 0.5 some steps differ from both extremes, reproducibly
    half = model(src, tgt_a, 0.5, generator=np.random.default_rng(0))[0].data
    assert_close(half, model(src, tgt_a, 0.5, generator=np.random.default_rng(0))[0].data)


@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_greedy_decoding_equals_beam_search_of_width_one(attention):
    for seed in range(4):
        model = _model(attention, seed)
        src = _src(3, 6, np.random.default_rng(seed))
        tokens, _ = model.greedy_decode(src, max_len=7)
        for i, (beam, _score) in enumerate(model.beam_search(src, beam_width=1, max_len=7)):
            row = tokens[i].tolist()
            greedy = row[: row.index(2) + 1] if 2 in row else row  # up to EOS (then padding)
            assert beam == greedy


def test_beam_score_is_the_teacher_forced_log_probability_of_its_tokens():
    model = _model("additive", 5)
    src = _src(2, 6, np.random.default_rng(5))
    for i, (tokens, score) in enumerate(model.beam_search(src, beam_width=3, max_len=6)):
        tgt_in = np.array([[1, *tokens[:-1]]])
        logp = model(src[i : i + 1], tgt_in)[0].log_softmax(-1).data[0]
        assert np.isclose(score, logp[np.arange(len(tokens)), tokens].sum(), rtol=1e-10)


# A hand-built decoder: a Markov chain over tokens (0 BOS, 1 EOS, 2 "a", 3 "b") whose greedy
# path is not the most probable sequence.
CHAIN = np.log(
    np.array(
        [
            [0.0, 0.0, 0.6, 0.4],  # after BOS: a is likelier
            [0.25, 0.25, 0.25, 0.25],  # (after EOS: unused)
            [0.0, 0.1, 0.45, 0.45],  # after a: rarely ends
            [0.0, 0.95, 0.025, 0.025],  # after b: almost surely ends
        ]
    )
    + 1e-300
)


def _chain_step(y, state):
    return CHAIN[y], state


def _brute_force(max_len: int) -> tuple[list[int], float]:
    best = ([], -np.inf)
    for n in range(1, max_len + 1):
        for body in itertools.product([2, 3], repeat=n - 1):
            seq = [*body, 1]
            score = sum(CHAIN[p, t] for p, t in zip([0, *seq[:-1]], seq))
            if score > best[1]:
                best = (seq, score)
    return best


def test_beam_search_finds_the_best_sequence_of_a_hand_built_chain():
    best, best_score = _brute_force(6)
    assert best == [3, 1] and np.isclose(best_score, np.log(0.4 * 0.95))
    greedy, greedy_score = beam_search(_chain_step, np.zeros((1, 1)), 0, 1, beam_width=1, max_len=6)
    assert greedy[0] == 2 and greedy_score < best_score  # greedy takes "a" first and loses
    tokens, score = beam_search(_chain_step, np.zeros((1, 1)), 0, 1, beam_width=2, max_len=6)
    assert tokens == best and np.isclose(score, best_score)


def test_bad_decoding_arguments_are_named():
    with pytest.raises(ValueError, match=r"beam_width and max_len must be >= 1, got 0 and 5"):
        beam_search(_chain_step, np.zeros((1, 1)), 0, 1, beam_width=0, max_len=5)
    model = _model("additive")
    with pytest.raises(ValueError, match=r"teacher_forcing_ratio must be in \[0, 1\], got 1.5"):
        model(np.ones((1, 2), int), np.ones((1, 2), int), teacher_forcing_ratio=1.5)
    with pytest.raises(ValueError, match=r"attention must be 'additive' or 'dot', got 'cosine'"):
        Seq2Seq(Seq2SeqConfig(5, 5, attention="cosine"))


def test_greedy_decoding_pads_every_row_after_its_eos():
    model = _model("additive", 1)
    tokens, attention = model.greedy_decode(_src(16, 6, np.random.default_rng(1)), max_len=12)
    eos, pad = model.config.eos_idx, model.config.pad_idx
    ended_early = 0
    for row in tokens.tolist():
        if eos in row[:-1]:
            ended_early += 1
            assert set(row[row.index(eos) + 1 :]) == {pad}, row
    assert 0 < ended_early < len(tokens)  # rows ended at different steps: padding was needed
    assert attention.shape[:2] == tokens.shape


def test_a_finished_hypothesis_keeps_its_place_in_the_beam():
    # tokens: 0 BOS, 1 EOS, 2 a, 3 b, 4 c
    chain = np.log(
        np.array(
            [
                [0.0, 0.0, 0.5, 0.25, 0.25],  # after BOS: a .5, b .25, c .25
                [0.2] * 5,  # (after EOS: unused)
                [0.0, 0.3, 0.7, 0.0, 0.0],  # after a: EOS .3, a .7
                [0.0, 0.0, 0.0, 0.5, 0.5],  # after b: b or c
                [0.0, 0.0, 0.0, 0.5, 0.5],  # after c: b or c
            ]
        )
        + 1e-300
    )
    widths = []

    def step(y, state):
        widths.append(len(y))
        return chain[y], state

    beam_search(step, np.zeros((1, 1)), 0, 1, beam_width=3, max_len=6)
    # step 2 keeps a a (.35), a EOS (.15, finished) and b b (.125): 2 live. Step 3 fills the
    # 3 - 1 = 2 free slots with a a a (.245) and a a EOS (.105, finished): 1 live, so step 4
    # extends one prefix (a beam that ignores finished ones would also keep b b b: 2)
    assert widths[:4] == [1, 3, 2, 1]


@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_decoder_step_is_bahdanau_wiring(attention):
    r"""$c_t, \alpha_t = \mathrm{att}(s_{t-1}, h)$; $s_t = \mathrm{GRU}([E y_{t-1}; c_t], s_{t-1})$; logits $= W_o[s_t; c_t; E y_{t-1}]$."""
    from groundup import cat

    model = _model(attention, 3)
    rng = np.random.default_rng(3)
    memory, s0 = model.encode(_src(3, 5, rng))
    s_prev = Tensor(s0.data + rng.normal(size=s0.shape))  # a state that is not s_0
    y_prev = np.array([1, 4, 6])
    logits, s, alpha = model.decode_step(y_prev, s_prev, memory)
    keys, keys_proj, mask = memory
    e = model.tgt_embedding(y_prev)
    c, expected_alpha = model.attention(s_prev, keys, mask, keys_proj=keys_proj)  # from s_{t-1}
    expected_s = model.cell(cat([e, c], dim=-1), s_prev)
    assert_close(alpha.data, expected_alpha.data, rtol=1e-12)
    assert_close(s.data, expected_s.data, rtol=1e-12)
    assert_close(logits.data, model.out(cat([expected_s, c, e], dim=-1)).data, rtol=1e-12)
