"""Value-based agents: DQN and Double DQN."""

from groundup.rl.value_based.dqn import DQN, DQNConfig, dqn_targets

__all__ = ["DQN", "DQNConfig", "dqn_targets"]
