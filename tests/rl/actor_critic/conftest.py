"""What the DDPG, TD3 and SAC tests share: the short learning test on the identity box env."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from groundup.rl.envs import IdentityEnvBox


@pytest.fixture
def identity_box_return() -> Callable[[type, type], float]:
    """``identity_box_return(SAC, SACConfig)``: the agent's mean return (10 deterministic
    episodes) after 2,000 steps on the continuous identity env (reward 1 when the action is
    within 0.2 of the state; 20-step episodes; random play earns 4 of 20)."""

    def run(agent_cls: type, config_cls: type) -> float:
        cfg: Any = config_cls(
            total_timesteps=2000,
            learning_starts=200,
            batch_size=64,
            hidden_sizes=(32, 32),
            gamma=0.0,
            seed=0,
        )
        agent = agent_cls(cfg, env_fn=lambda: IdentityEnvBox(eps=0.2, ep_length=20))
        agent.learn()
        return agent.evaluate(num_episodes=10)[0]

    return run
