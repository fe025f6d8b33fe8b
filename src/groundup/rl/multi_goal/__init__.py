"""Multi-goal RL: hindsight experience replay on goal environments."""

from groundup.rl.multi_goal.her import HER, HERConfig, HerReplayBuffer

__all__ = ["HER", "HERConfig", "HerReplayBuffer"]
