"""Recurrent sequence-to-sequence models (curriculum Phase 6): encoder-decoder with attention."""

from groundup.sequence.recurrent.attention import AdditiveAttention, DotAttention
from groundup.sequence.recurrent.seq2seq import Seq2Seq, Seq2SeqConfig, beam_search

__all__ = ["AdditiveAttention", "DotAttention", "Seq2Seq", "Seq2SeqConfig", "beam_search"]
