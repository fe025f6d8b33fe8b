"""Gradient utilities (curriculum Phase 3): clipping by norm and by value."""

from groundup.optimization.gradient_utils.clipping import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
