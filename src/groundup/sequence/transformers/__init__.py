"""Transformers (curriculum Phase 6): encoder, decoder block, GPT and ViT."""

from groundup.sequence.transformers.decoder import MLP, CausalSelfAttention, DecoderBlock
from groundup.sequence.transformers.encoder import TransformerEncoder, TransformerEncoderLayer
from groundup.sequence.transformers.gpt import GPT, GPTConfig, sample_next
from groundup.sequence.transformers.vit import ViT

__all__ = [
    "GPT",
    "MLP",
    "CausalSelfAttention",
    "DecoderBlock",
    "GPTConfig",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "ViT",
    "sample_next",
]
