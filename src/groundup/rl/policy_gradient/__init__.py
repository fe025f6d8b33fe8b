"""Policy-gradient agents: REINFORCE, A2C, PPO and TRPO, each one file read top to bottom."""

from groundup.rl.policy_gradient.a2c import A2C, A2CConfig, a2c_loss
from groundup.rl.policy_gradient.ppo import PPO, PPOConfig, ppo_policy_loss, ppo_value_loss
from groundup.rl.policy_gradient.reinforce import REINFORCE, REINFORCEConfig, reinforce_loss
from groundup.rl.policy_gradient.trpo import TRPO, TRPOConfig

__all__ = [
    "A2C",
    "PPO",
    "REINFORCE",
    "TRPO",
    "A2CConfig",
    "PPOConfig",
    "REINFORCEConfig",
    "TRPOConfig",
    "a2c_loss",
    "ppo_policy_loss",
    "ppo_value_loss",
    "reinforce_loss",
]
