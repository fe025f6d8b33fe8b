"""GRPO's advantages, clipped loss and aggregations: hand values, the PyTorch twin, properties.

The hand example (B = 2, L = 3, eps = 0.2), ratios and advantages chosen so that every
branch of the clip is taken:

    r = [[1.5, 1.0, 0.5],      A = [+1, -1]     mask = [[1, 1, 1],
         [0.7, 1.1, 1.0]]                               [1, 1, 0]]

    row 0 (A = +1): l = -min(r, clip(r)) = -1.2 (clipped), -1.0, -0.5 (unclipped)
    row 1 (A = -1): l = max(r, clip(r))  =  0.8 (clipped), 1.1, (masked)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.alignment.grpo import aggregate_loss, group_advantages, grpo_loss
from groundup.foundations.gradient_check import gradient_check
from tests.alignment import twins
from tests.helpers import assert_close

OLD = np.full((2, 3), -1.0)
RATIO = np.array([[1.5, 1.0, 0.5], [0.7, 1.1, 1.0]])
A = np.array([1.0, -1.0])
MASK = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])


def hand_logp():
    return Tensor(OLD + np.log(RATIO), requires_grad=True)


@pytest.mark.parametrize(
    ("loss_type", "kwargs", "value"),
    [
        ("grpo", {}, ((-1.2 - 1.0 - 0.5) / 3 + (0.8 + 1.1) / 2) / 2),  # 0.025
        ("bnpo", {}, (-2.7 + 1.9) / 5),
        ("dapo", {}, (-2.7 + 1.9) / 5),
        ("dapo", {"num_items_in_batch": 8}, (-2.7 + 1.9) / 8),
        ("dr_grpo", {}, (-2.7 + 1.9) / (2 * 3)),
        ("dr_grpo", {"max_completion_length": 4}, (-2.7 + 1.9) / (2 * 4)),
    ],
)
def test_hand_values_of_each_aggregation(loss_type, kwargs, value):
    loss, stats = grpo_loss(hand_logp(), OLD, A, MASK, loss_type=loss_type, **kwargs)
    assert_close(loss.item(), value)
    # one token clipped at each side where the clip binds: (A<0, r<0.8) and (A>0, r>1.2)
    assert stats["clip_low"] == pytest.approx(0.2) and stats["clip_high"] == pytest.approx(0.2)
    assert stats["ratio_max"] == pytest.approx(1.5) and stats["ratio_min"] == pytest.approx(0.5)


def test_hand_gradient_of_grpo():
    logp = hand_logp()
    loss, _ = grpo_loss(logp, OLD, A, MASK, loss_type="grpo")
    loss.backward()
    # clipped tokens get 0; others -A r / (|o_i| B)
    expected = [[0.0, -1.0 / 6, -0.5 / 6], [0.0, 1.1 / 4, 0.0]]
    assert_close(logp.grad, expected)


def test_clip_higher_unclips_the_high_side():
    # eps_high = 0.6: r = 1.5 is no longer clipped; its gradient is -A r / 6 = -0.25
    logp = hand_logp()
    loss, stats = grpo_loss(logp, OLD, A, MASK, epsilon_low=0.2, epsilon_high=0.6)
    loss.backward()
    assert_close(logp.grad[0, 0], -1.5 / 6)
    assert stats["clip_high"] == 0.0 and stats["clip_low"] == pytest.approx(0.2)


def test_group_advantages_hand_values():
    R = np.array([1.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0])
    adv, zero = group_advantages(R, 4)
    # group 1: mean 1/4, unbiased std 1/2; group 2: all equal
    assert_close(adv, [0.75 / 0.5001, -0.25 / 0.5001, -0.25 / 0.5001, -0.25 / 0.5001, 0, 0, 0, 0])
    assert zero.tolist() == [False] * 4 + [True] * 4
    adv, _ = group_advantages(R, 4, scale_rewards="none")
    assert_close(adv, [0.75, -0.25, -0.25, -0.25, 0, 0, 0, 0])
    adv, _ = group_advantages(R, 4, scale_rewards="batch")
    assert_close(adv, (R - np.repeat([0.25, 2.0], 4)) / (np.std(R, ddof=1) + 1e-4))
    with pytest.raises(ValueError, match="multiple of num_generations=3"):
        group_advantages(R, 3)
    with pytest.raises(ValueError, match="scale_rewards"):
        group_advantages(R, 4, scale_rewards="std")


@settings(deadline=None, max_examples=30)
@given(
    B=st.integers(1, 4),
    L=st.integers(1, 5),
    loss_type=st.sampled_from(["grpo", "bnpo", "dr_grpo", "dapo"]),
    level=st.sampled_from(["token", "sequence", "sequence_token"]),
    objective=st.sampled_from(["clip", "sapo", "cispo"]),
    beta=st.sampled_from([0.0, 0.04]),
    seed=st.integers(0, 10_000),
)
def test_matches_the_torch_twin(B, L, loss_type, level, objective, beta, seed):
    rng = np.random.default_rng(seed)
    old = -rng.random((B, L)) * 2 - 0.1
    logp0 = old + rng.normal(size=(B, L)) * 0.3
    ref = old + rng.normal(size=(B, L)) * 0.3
    adv = rng.normal(size=B)
    mask = (rng.random((B, L)) < 0.8).astype(float)
    kw = dict(loss_type=loss_type, epsilon_low=0.2, epsilon_high=0.28, beta=beta)
    logp = Tensor(logp0.copy(), requires_grad=True)
    loss, _ = grpo_loss(
        logp,
        old,
        adv,
        mask,
        ref_logprobs=ref,
        importance_sampling_level=level,
        objective=objective,
        **kw,
    )
    loss.backward()
    lt = twins.t(logp0, True)
    expected = twins.grpo(
        lt,
        twins.t(old),
        twins.t(adv),
        twins.t(mask),
        loss_type,
        0.2,
        0.28,
        beta,
        twins.t(ref),
        level,
        objective,
    )
    expected.backward()
    assert_close(loss.item(), expected.item())
    assert_close(logp.grad, lt.grad)


def test_finite_differences():
    rng = np.random.default_rng(3)
    old = -rng.random((3, 4)) - 0.1
    adv = np.array([1.0, -0.5, 2.0])
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]], dtype=float)
    ref = old + 0.1
    for level in ("token", "sequence"):
        for objective in ("clip", "sapo"):
            logp = Tensor(old + rng.normal(size=(3, 4)) * 0.05, requires_grad=True)

            def f(x, level=level, objective=objective):
                return grpo_loss(
                    x,
                    old,
                    adv,
                    mask,
                    beta=0.1,
                    ref_logprobs=ref,
                    importance_sampling_level=level,
                    objective=objective,
                )[0]

            assert gradient_check(f, [logp]).passed


def _grad(**kw):
    logp = Tensor(kw.pop("logp").copy(), requires_grad=True)
    loss, _ = grpo_loss(logp, kw.pop("old"), kw.pop("adv"), kw.pop("mask"), **kw)
    loss.backward()
    return loss.item(), logp.grad.numpy()


def test_at_ratio_one_grpo_gspo_and_sapo_gradients_coincide():
    rng = np.random.default_rng(0)
    logp = -rng.random((4, 6)) - 0.1
    mask = np.array([[1] * 6, [1] * 3 + [0] * 3, [1] * 5 + [0], [1, 0, 0, 0, 0, 0]], float)
    base = dict(logp=logp, old=logp, adv=rng.normal(size=4), mask=mask, loss_type="grpo")
    _, g_grpo = _grad(**base)
    _, g_gspo = _grad(
        **base, importance_sampling_level="sequence", epsilon_low=3e-4, epsilon_high=4e-4
    )
    _, g_gspo_tok = _grad(**base, importance_sampling_level="sequence_token")
    _, g_sapo = _grad(**base, objective="sapo", tau_pos=1.0, tau_neg=1.05)
    assert np.abs(g_grpo).max() > 0.01
    for g in (g_gspo, g_gspo_tok, g_sapo):
        assert_close(g, g_grpo, atol=1e-12)
    # ... and they differ once the ratios move off 1
    off = dict(base, logp=logp + rng.normal(size=logp.shape) * 0.3)
    assert not np.allclose(_grad(**off)[1], _grad(**off, objective="sapo")[1])


def test_grpo_weights_a_short_sequence_4_to_1_and_dapo_dr_grpo_1_to_1():
    logp = np.full((2, 8), -1.0)
    mask = np.zeros((2, 8))
    mask[0, :2] = 1
    mask[1, :8] = 1
    common = dict(logp=logp, old=logp, adv=np.array([1.0, 1.0]), mask=mask)
    _, g = _grad(**common, loss_type="grpo")
    assert_close(g[0, 0] / g[1, 0], 4.0)
    for lt in ("dapo", "dr_grpo", "bnpo"):
        _, g = _grad(**common, loss_type=lt)
        assert_close(g[0, 0] / g[1, 0], 1.0)


def test_dr_grpo_is_unchanged_by_extra_padding():
    rng = np.random.default_rng(1)
    logp, old = -rng.random((3, 4)) - 0.1, -rng.random((3, 4)) - 0.1
    adv, mask = rng.normal(size=3), np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]], float)
    pad = lambda x: np.concatenate([x, np.zeros((3, 5))], axis=1)  # noqa: E731
    a = _grad(logp=logp, old=old, adv=adv, mask=mask, loss_type="dr_grpo", max_completion_length=12)
    b = _grad(
        logp=pad(logp),
        old=pad(old),
        adv=adv,
        mask=pad(mask),
        loss_type="dr_grpo",
        max_completion_length=12,
    )
    assert_close(a[0], b[0])
    assert_close(pad(a[1]), b[1])
    # without the fixed L_max the normaliser B*L grows with the padding
    c = _grad(logp=pad(logp), old=pad(old), adv=adv, mask=pad(mask), loss_type="dr_grpo")
    assert not np.isclose(a[0], c[0])


def test_a_zero_std_group_gives_zero_gradient():
    rng = np.random.default_rng(2)
    adv, zero = group_advantages(np.array([0.5, 0.5, 0.5, 1.0, 0.0, 1.0]), 3)
    assert zero.tolist() == [True] * 3 + [False] * 3
    old = -rng.random((6, 4)) - 0.1
    logp = old + rng.normal(size=(6, 4)) * 0.1
    for objective in ("clip", "sapo", "cispo"):
        _, g = _grad(logp=logp, old=old, adv=adv, mask=np.ones((6, 4)), objective=objective)
        assert np.all(g[:3] == 0.0) and np.abs(g[3:]).max() > 0


def test_fully_masked_batch_gives_zero_loss_and_gradient():
    value, g = _grad(
        logp=np.full((2, 3), -1.0),
        old=np.full((2, 3), -1.2),
        adv=np.array([1.0, -1.0]),
        mask=np.zeros((2, 3)),
        loss_type="dapo",
    )
    assert value == 0.0 and np.all(g == 0.0)


def test_errors_name_the_argument():
    logp = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="advantages must have shape"):
        grpo_loss(logp, np.zeros((2, 3)), np.zeros(3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="old_logprobs"):
        grpo_loss(logp, np.zeros((2, 2)), np.zeros(2), np.ones((2, 3)))
    with pytest.raises(ValueError, match="beta != 0 needs ref_logprobs"):
        grpo_loss(logp, np.zeros((2, 3)), np.zeros(2), np.ones((2, 3)), beta=0.1)
    with pytest.raises(ValueError, match="loss_type"):
        aggregate_loss(logp, np.ones((2, 3)), "mean")
