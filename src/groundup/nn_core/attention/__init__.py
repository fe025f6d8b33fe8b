"""Attention (curriculum Phase 6): scaled dot-product attention and multi-head attention."""

from groundup.nn_core.attention.multihead import KVCache, MultiheadAttention
from groundup.nn_core.attention.scaled_dot_product import causal_mask, scaled_dot_product_attention

__all__ = ["KVCache", "MultiheadAttention", "causal_mask", "scaled_dot_product_attention"]
