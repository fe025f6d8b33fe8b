"""Off-policy actor-critic agents for continuous control: DDPG, TD3 and SAC."""

from groundup.rl.actor_critic.ddpg import DDPG, DDPGConfig, ddpg_targets
from groundup.rl.actor_critic.sac import SAC, SACConfig, sac_temperature_loss
from groundup.rl.actor_critic.td3 import TD3, TD3Config, td3_target_actions

__all__ = [
    "DDPG",
    "SAC",
    "TD3",
    "DDPGConfig",
    "SACConfig",
    "TD3Config",
    "ddpg_targets",
    "sac_temperature_loss",
    "td3_target_actions",
]
