"""Off-policy actor-critic agents for continuous control: SAC (DDPG and TD3 to come)."""

from groundup.rl.actor_critic.sac import SAC, SACConfig, sac_temperature_loss

__all__ = ["SAC", "SACConfig", "sac_temperature_loss"]
