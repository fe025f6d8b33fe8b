"""Reward models: the scalar head reads the last real token; Bradley-Terry loss, margin, centring."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.alignment.reward_model import ScalarHeadModel, bradley_terry_loss, last_token_index
from groundup.foundations.gradient_check import gradient_check
from groundup.sequence.transformers.gpt import GPT, GPTConfig
from tests.alignment import twins
from tests.helpers import assert_close


def test_bt_hand_values():
    loss, s = bradley_terry_loss(np.array([2.0, 0.0]), np.array([0.0, 1.0]))
    assert_close(loss.item(), (math.log1p(math.exp(-2)) + math.log1p(math.exp(1))) / 2)
    assert s == {"accuracy": 0.5, "margin": 0.5}
    # margin 2 on the first pair: -log sigma(0); centring eta (r_w + r_l)^2 = 0.1 * (4 + 1) / 2
    loss, _ = bradley_terry_loss(
        np.array([2.0, 0.0]),
        np.array([0.0, 1.0]),
        margin=np.array([2.0, 0.0]),
        center_rewards_coefficient=0.1,
    )
    assert_close(loss.item(), (math.log(2) + math.log1p(math.exp(1))) / 2 + 0.1 * 5 / 2)


@settings(deadline=None, max_examples=25)
@given(
    B=st.integers(1, 6),
    center=st.sampled_from([0.0, 0.01]),
    use_margin=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_bt_matches_the_torch_twin(B, center, use_margin, seed):
    rng = np.random.default_rng(seed)
    a0, b0 = rng.normal(size=B) * 3, rng.normal(size=B) * 3
    margin = rng.random(B) if use_margin else None
    a, b = Tensor(a0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    loss, _ = bradley_terry_loss(a, b, margin, center)
    loss.backward()
    at, bt = twins.t(a0, True), twins.t(b0, True)
    e = twins.bradley_terry(at, bt, None if margin is None else twins.t(margin), center)
    e.backward()
    assert_close(loss.item(), e.item())
    assert_close(a.grad, at.grad)
    assert_close(b.grad, bt.grad)


def test_scalar_head_reads_the_last_real_token_and_has_gradients():
    gpt = GPT(
        GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=4),
        dtype=np.float64,
        generator=0,
    )
    rm = ScalarHeadModel(gpt, generator=0)
    idx = np.array([[1, 2, 3, 0], [4, 4, 1, 2]])
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]])
    assert last_token_index(mask).tolist() == [2, 3]
    values = rm.values(idx).data
    r = rm(idx, mask)
    assert_close(r.data, [values[0, 2], values[1, 3]])
    loss, _ = bradley_terry_loss(r[:1], r[1:])
    loss.backward()
    assert np.abs(rm.score.weight.grad.data).max() > 0
    assert np.abs(gpt.transformer.h[0].attn.c_attn.weight.grad.data).max() > 0
    assert gradient_check(
        lambda a: bradley_terry_loss(a[:1], a[1:], None, 0.01)[0],
        [Tensor(np.array([0.3, -0.2]), requires_grad=True)],
    ).passed


def test_errors():
    with pytest.raises(ValueError, match="share one shape"):
        bradley_terry_loss(np.zeros(2), np.zeros(3))
