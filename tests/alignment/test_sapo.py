"""SAPO's soft gate: hand values, the gradient weight sech^2(tau (r-1)/2) r, tau by sign of A."""

from __future__ import annotations

import math

import numpy as np
import pytest

from groundup import Tensor
from groundup.alignment.grpo import grpo_loss
from groundup.alignment.sapo import sapo_token_loss
from tests.helpers import assert_close


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_hand_values():
    r = np.array([[1.5, 1.0, 0.5], [0.7, 1.1, 1.0]])
    loss, ratio = sapo_token_loss(Tensor(np.log(r)), np.array([1.0, -1.0]), 1.0, 1.05)
    assert_close(ratio, r)
    row0 = [-4 * sig(0.5), -2.0, -4 * sig(-0.5)]  # A = +1, tau_pos = 1
    row1 = [4 / 1.05 * sig(1.05 * -0.3), 4 / 1.05 * sig(1.05 * 0.1), 4 / 1.05 * 0.5]  # tau_neg
    assert_close(loss, [row0, row1])
    # the GRPO aggregation of row 0 is exactly -2: sigma(.5) + sigma(-.5) = 1
    loss, _ = grpo_loss(
        Tensor(np.log(r[:1])), np.zeros((1, 3)), np.array([1.0]), np.ones((1, 3)), objective="sapo"
    )
    assert_close(loss.item(), -2.0)


@pytest.mark.parametrize("tau", [0.5, 1.0, 3.0])
def test_gradient_weight_is_sech_squared_times_r(tau):
    r = np.array([[0.5, 0.9, 1.0, 1.3, 2.0]])
    x = Tensor(np.log(r), requires_grad=True)
    loss, _ = sapo_token_loss(x, np.array([1.0]), tau_pos=tau)
    loss.sum().backward()
    # d l / d log r = -A sech^2(tau (r - 1) / 2) r
    assert_close(x.grad, -((1 / np.cosh(tau * (r - 1) / 2)) ** 2) * r)
    assert_close(x.grad[0, 2], -1.0)  # GRPO's -A at r = 1


def test_tau_must_be_positive():
    with pytest.raises(ValueError, match="tau_pos and tau_neg"):
        sapo_token_loss(Tensor(np.zeros((1, 1))), np.ones(1), tau_neg=0.0)
