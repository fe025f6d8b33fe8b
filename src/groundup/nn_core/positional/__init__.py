"""Position information for attention: sinusoidal tables and rotary embeddings (RoPE)."""

from groundup.nn_core.positional.rope import RotaryEmbedding, apply_rotary, rope_angles
from groundup.nn_core.positional.sinusoidal import SinusoidalPositionalEncoding, sinusoidal_table

__all__ = [
    "RotaryEmbedding",
    "SinusoidalPositionalEncoding",
    "apply_rotary",
    "rope_angles",
    "sinusoidal_table",
]
