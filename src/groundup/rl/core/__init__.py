"""What every RL agent shares: returns and advantages (GAE), and experience storage."""

from groundup.rl.core.advantages import discounted_returns, gae, normalize_advantages, td_residual
from groundup.rl.core.replay_buffer import ReplayBatch, ReplayBuffer

__all__ = [
    "ReplayBatch",
    "ReplayBuffer",
    "discounted_returns",
    "gae",
    "normalize_advantages",
    "td_residual",
]
