"""Sequence models (curriculum Phase 6): ``recurrent`` (seq2seq with attention), ``transformers``, ``tokenizers``."""
