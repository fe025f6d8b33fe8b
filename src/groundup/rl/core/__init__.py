"""What every RL agent shares: returns and advantages (GAE), action distributions,
policy and value networks with their target copies, and experience storage."""

from groundup.rl.core.advantages import discounted_returns, gae, normalize_advantages, td_residual
from groundup.rl.core.distributions import Categorical, DiagGaussian, TanhGaussian
from groundup.rl.core.off_policy import OffPolicyAgent
from groundup.rl.core.policies import (
    CategoricalPolicy,
    DeterministicPolicy,
    GaussianPolicy,
    SquashedGaussianPolicy,
    clip_to_space,
    orthogonal_init_,
    policy_for,
)
from groundup.rl.core.replay_buffer import ReplayBatch, ReplayBuffer
from groundup.rl.core.value_functions import (
    ContinuousQFunction,
    QFunction,
    TwinQFunction,
    ValueFunction,
    hard_update,
    polyak_update,
)

__all__ = [
    "Categorical",
    "CategoricalPolicy",
    "ContinuousQFunction",
    "DeterministicPolicy",
    "DiagGaussian",
    "GaussianPolicy",
    "OffPolicyAgent",
    "QFunction",
    "ReplayBatch",
    "ReplayBuffer",
    "SquashedGaussianPolicy",
    "TanhGaussian",
    "TwinQFunction",
    "ValueFunction",
    "clip_to_space",
    "discounted_returns",
    "gae",
    "hard_update",
    "normalize_advantages",
    "orthogonal_init_",
    "policy_for",
    "polyak_update",
    "td_residual",
]
