"""DPO and IPO: hand values, log 2 at the reference, the PyTorch twin, implicit-reward stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.alignment.dpo import dpo_loss
from groundup.foundations.gradient_check import gradient_check
from tests.alignment import twins
from tests.helpers import assert_close


def test_loss_is_log_2_when_the_policy_is_the_reference():
    rng = np.random.default_rng(0)
    pw, pl = -rng.random(5) * 10, -rng.random(5) * 10
    loss, stats = dpo_loss(Tensor(pw), Tensor(pl), pw, pl, beta=0.3)
    assert_close(loss.item(), math.log(2))
    assert stats["rewards/margins"] == 0.0 and stats["rewards/accuracies"] == 0.0


def test_hand_value_gradient_and_stats():
    # chosen gained 1 nat over the reference, rejected lost 2: h = 3, beta = 0.5
    pw = Tensor(np.array([-4.0]), requires_grad=True)
    pl = Tensor(np.array([-9.0]), requires_grad=True)
    loss, stats = dpo_loss(pw, pl, np.array([-5.0]), np.array([-7.0]), beta=0.5)
    assert_close(loss.item(), math.log(1 + math.exp(-1.5)))
    loss.backward()
    # dL/dh = -beta sigma(-beta h)
    g = -0.5 / (1 + math.exp(1.5))
    assert_close(pw.grad, [g])
    assert_close(pl.grad, [-g])
    assert stats == pytest.approx(
        {
            "rewards/chosen": 0.5,
            "rewards/rejected": -1.0,
            "rewards/margins": 1.5,
            "rewards/accuracies": 1.0,
        }
    )
    # IPO: (h - 1/(2 beta))^2 = (3 - 1)^2
    loss, _ = dpo_loss(pw, pl, np.array([-5.0]), np.array([-7.0]), beta=0.5, loss_type="ipo")
    assert_close(loss.item(), 4.0)


@settings(deadline=None, max_examples=25)
@given(
    B=st.integers(1, 6),
    beta=st.sampled_from([0.03, 0.1, 1.0]),
    loss_type=st.sampled_from(["sigmoid", "ipo"]),
    ls=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 10_000),
)
def test_matches_the_torch_twin(B, beta, loss_type, ls, seed):
    rng = np.random.default_rng(seed)
    pw0, pl0, rw, rl = (-rng.random(B) * 20 for _ in range(4))
    pw, pl = Tensor(pw0.copy(), requires_grad=True), Tensor(pl0.copy(), requires_grad=True)
    loss, _ = dpo_loss(pw, pl, rw, rl, beta, loss_type, ls)
    loss.backward()
    a, b = twins.t(pw0, True), twins.t(pl0, True)
    e = twins.dpo(a, b, twins.t(rw), twins.t(rl), beta, loss_type, ls)
    e.backward()
    assert_close(loss.item(), e.item())
    assert_close(pw.grad, a.grad)
    assert_close(pl.grad, b.grad)


def test_finite_differences_and_errors():
    rng = np.random.default_rng(1)
    pw, pl = (
        Tensor(-rng.random(3) * 5, requires_grad=True),
        Tensor(-rng.random(3) * 5, requires_grad=True),
    )
    rw, rl = -rng.random(3) * 5, -rng.random(3) * 5
    assert gradient_check(lambda a, b: dpo_loss(a, b, rw, rl, 0.7)[0], [pw, pl]).passed
    with pytest.raises(ValueError, match="share"):
        dpo_loss(pw, pl, rw[:2], rl)
    with pytest.raises(ValueError, match="loss_type"):
        dpo_loss(pw, pl, rw, rl, loss_type="hinge")
