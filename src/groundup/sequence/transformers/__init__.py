"""Transformers (curriculum Phase 6): encoder, decoder block, GPT (and GPT-2 checkpoints) and ViT."""

from groundup.sequence.transformers.decoder import MLP, CausalSelfAttention, DecoderBlock
from groundup.sequence.transformers.encoder import TransformerEncoder, TransformerEncoderLayer
from groundup.sequence.transformers.gpt import GPT, GPTConfig, sample_next
from groundup.sequence.transformers.gpt2 import GPT2Tokenizer, load_gpt2
from groundup.sequence.transformers.vit import ViT

__all__ = [
    "GPT",
    "MLP",
    "CausalSelfAttention",
    "DecoderBlock",
    "GPT2Tokenizer",
    "GPTConfig",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "ViT",
    "load_gpt2",
    "sample_next",
]
