"""Imitation learning: behaviour cloning (and GAIL) from an expert's transitions."""

from groundup.rl.imitation.behavior_cloning import BCConfig, BehaviorCloning, bc_loss

__all__ = ["BCConfig", "BehaviorCloning", "bc_loss"]
