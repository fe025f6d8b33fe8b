"""Policy-gradient agents: REINFORCE, A2C, PPO and TRPO, each one file read top to bottom."""

from groundup.rl.policy_gradient.ppo import PPO, PPOConfig, ppo_policy_loss, ppo_value_loss

__all__ = ["PPO", "PPOConfig", "ppo_policy_loss", "ppo_value_loss"]
