"""Model-based RL: MBPO (a probabilistic dynamics ensemble, branched rollouts, SAC)."""

from groundup.rl.model_based.mbpo import (
    MBPO,
    DynamicsEnsemble,
    EnsembleLinear,
    GaussianEnsemble,
    MBPOConfig,
    TransitionStore,
    gaussian_nll,
)

__all__ = [
    "MBPO",
    "DynamicsEnsemble",
    "EnsembleLinear",
    "GaussianEnsemble",
    "MBPOConfig",
    "TransitionStore",
    "gaussian_nll",
]
