"""GSPO's sequence ratio (the geometric mean of token ratios) and GSPO-token: hand values."""

from __future__ import annotations

import numpy as np

from groundup import Tensor
from groundup.alignment.grpo import grpo_loss
from groundup.alignment.gspo import sequence_log_ratio
from tests.helpers import assert_close

OLD = np.full((2, 3), -1.0)
RATIO = np.array([[1.5, 1.0, 0.5], [0.7, 1.1, 1.0]])
MASK = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])


def test_sequence_ratio_is_the_geometric_mean_of_the_unmasked_token_ratios():
    s = sequence_log_ratio(Tensor(OLD + np.log(RATIO)), OLD, MASK).exp()
    assert s.shape == (2, 1)
    assert_close(s.numpy().ravel(), [(1.5 * 1.0 * 0.5) ** (1 / 3), (0.7 * 1.1) ** 0.5])


def test_gspo_loss_hand_value_and_gradient():
    logp = Tensor(OLD + np.log(RATIO), requires_grad=True)
    adv = np.array([1.0, -1.0])
    loss, _ = grpo_loss(logp, OLD, adv, MASK, importance_sampling_level="sequence")
    s0, s1 = 0.75 ** (1 / 3), 0.77**0.5  # 0.9086, 0.8775: both inside [0.8, 1.2]
    assert_close(loss.item(), (-s0 + s1) / 2)
    loss.backward()
    # d(-A s_i)/d logp_t = -A s_i / |o_i|, times 1/B
    assert_close(logp.grad, [[-s0 / 6] * 3, [s1 / 4, s1 / 4, 0.0]])
    # GSPO's eps = 3e-4: row 1 (A < 0, s < 1 - eps) is clipped and gets no gradient; row 0
    # (A > 0, s < 1 - eps) is on the unclipped side of the min
    logp.grad = None
    loss, stats = grpo_loss(
        logp,
        OLD,
        adv,
        MASK,
        importance_sampling_level="sequence",
        epsilon_low=3e-4,
        epsilon_high=4e-4,
    )
    loss.backward()
    assert_close(loss.item(), (-s0 + (1 - 3e-4)) / 2)
    assert_close(logp.grad, [[-s0 / 6] * 3, [0.0, 0.0, 0.0]])
    assert stats["clip_low"] == 0.4  # both tokens of row 1, of 5


def test_gspo_token_has_the_sequence_value_and_equals_gspo_with_one_advantage_per_sequence():
    logp0 = OLD + np.log(RATIO)
    lt = sequence_log_ratio(Tensor(logp0), OLD, MASK, token=True)
    ls = sequence_log_ratio(Tensor(logp0), OLD, MASK)
    assert_close(lt.numpy(), np.broadcast_to(ls.numpy(), (2, 3)))
    grads = []
    for level in ("sequence", "sequence_token"):
        x = Tensor(logp0.copy(), requires_grad=True)
        grpo_loss(
            x, OLD, np.array([0.5, -2.0]), MASK, importance_sampling_level=level, epsilon_low=0.5
        )[0].backward()
        grads.append(x.grad.numpy())
    assert np.abs(grads[0]).max() > 0.01
    assert_close(grads[1], grads[0])
