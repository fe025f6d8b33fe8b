"""Value-based agents: DQN and Double DQN."""

from groundup.rl.value_based.double_dqn import DoubleDQN, double_dqn_targets
from groundup.rl.value_based.dqn import DQN, DQNConfig, dqn_targets

__all__ = ["DQN", "DQNConfig", "DoubleDQN", "double_dqn_targets", "dqn_targets"]
