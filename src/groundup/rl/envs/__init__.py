"""Environments groundup defines (each passes Gymnasium's ``check_env``)."""

from groundup.rl.envs.identity import IdentityEnv, IdentityEnvBox
from groundup.rl.envs.point_reach import GoalObservation, PointReach2D

__all__ = ["GoalObservation", "IdentityEnv", "IdentityEnvBox", "PointReach2D"]
