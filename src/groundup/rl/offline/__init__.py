"""Offline RL: conservative Q-learning (CQL), discrete and on SAC."""

from groundup.rl.offline.cql import (
    ContinuousCQL,
    ContinuousCQLConfig,
    CQLConfig,
    DiscreteCQL,
    continuous_cql_penalty,
    cql_penalty,
    logsumexp,
)

__all__ = [
    "CQLConfig",
    "ContinuousCQL",
    "ContinuousCQLConfig",
    "DiscreteCQL",
    "continuous_cql_penalty",
    "cql_penalty",
    "logsumexp",
]
