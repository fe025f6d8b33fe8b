"""SAC: the temperature loss by hand and its pull towards the target entropy, learning the
continuous identity env within 2,000 steps, and Pendulum to -200 within 20k steps (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from groundup import Tensor
from groundup.optim import Adam
from groundup.rl.actor_critic import SAC, SACConfig, sac_temperature_loss


def test_temperature_loss_value_and_gradient_by_hand():
    log_alpha = Tensor(np.array([np.log(0.5)]), requires_grad=True)
    logp = np.array([-0.2, -0.4])  # entropy 0.3
    loss = sac_temperature_loss(log_alpha, logp, target_entropy=-1.0)
    loss.backward()
    # L = -alpha (mean log pi + H) = -0.5 (-0.3 - 1) = 0.65; dL/dlog alpha = L
    assert loss.item() == pytest.approx(0.65)
    assert log_alpha.grad.numpy()[0] == pytest.approx(0.65)


@pytest.mark.parametrize("entropy,direction", [(2.0, -1), (-3.0, +1)])
def test_temperature_moves_to_steer_entropy_to_the_target(entropy, direction):
    """Entropy above the target -1 lowers alpha (less bonus); below it raises alpha."""
    log_alpha = Tensor(np.array([0.0]), requires_grad=True)
    opt = Adam([log_alpha], lr=0.1)
    for _ in range(20):
        opt.zero_grad()
        sac_temperature_loss(log_alpha, np.full(8, -entropy), -1.0).backward()
        opt.step()
    assert np.sign(log_alpha.detach().numpy()[0]) == direction


def test_sac_learns_the_identity_box_env_in_2000_steps(identity_box_return):
    assert identity_box_return(SAC, SACConfig) >= 17.0  # of 20; random play earns 4


def test_a_discrete_env_is_refused():
    with pytest.raises(ValueError, match="SAC needs a Box action space"):
        SAC(SACConfig(env_id="CartPole-v1"))


@pytest.mark.slow
def test_sac_pendulum_reaches_minus_200_within_20k_steps():
    agent = SAC(SACConfig(seed=0))
    agent.learn()
    assert agent.evaluate(num_episodes=10)[0] >= -200
