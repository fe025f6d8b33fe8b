"""Policy-gradient agents: REINFORCE, A2C and PPO, each one file read top to bottom."""

from groundup.rl.policy_gradient.a2c import A2C, A2CConfig, a2c_loss
from groundup.rl.policy_gradient.ppo import PPO, PPOConfig, ppo_policy_loss, ppo_value_loss
from groundup.rl.policy_gradient.reinforce import REINFORCE, REINFORCEConfig, reinforce_loss

__all__ = [
    "A2C",
    "PPO",
    "REINFORCE",
    "A2CConfig",
    "PPOConfig",
    "REINFORCEConfig",
    "a2c_loss",
    "ppo_policy_loss",
    "ppo_value_loss",
    "reinforce_loss",
]
