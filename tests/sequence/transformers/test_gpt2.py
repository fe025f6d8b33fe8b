"""GPT-2 checkpoints: groundup's GPT loaded from a transformers save equals GPT2LMHeadModel.

The checkpoint is a small randomly initialised GPT2LMHeadModel written by the test itself
(offline), with a byte-level BPE vocabulary in GPT-2's file formats (``vocab.json`` with the
byte stand-ins and GPT-2's id order, ``merges.txt``), so nothing is downloaded.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel
from transformers import GPT2Tokenizer as HFGPT2Tokenizer

from groundup.sequence.tokenizers.bpe import ByteBPETokenizer
from groundup.sequence.transformers.gpt2 import (
    GPT2Tokenizer,
    bytes_to_unicode,
    load_gpt2,
    read_safetensors,
)

TEXT = (
    "The quick brown fox jumps over the lazy dog. It's 2026, and the dog's 3 friends "
    "don't mind: they've seen foxes before! Ünïcödé — naïve café, 日本語.\n\n  spaces  "
) * 4


def write_vocab(directory, n_merges=60):
    """GPT-2 style vocab.json / merges.txt for merges learned on TEXT; ids in GPT-2's byte order."""
    ours = ByteBPETokenizer.train(TEXT, 256 + n_merges)
    b2u = bytes_to_unicode()
    name = lambda bs: "".join(b2u[b] for b in bs)  # noqa: E731
    # GPT-2 numbers the single bytes in the order of its stand-in table (printable first)
    order = sorted(range(256), key=lambda b: (ord(b2u[b]) >= 256, ord(b2u[b])))
    vocab = {b2u[b]: i for i, b in enumerate(order)}
    lines = ["#version: 0.2"]
    for r, (a, b) in enumerate(ours.merges):
        lines.append(f"{name(ours.vocab[a])} {name(ours.vocab[b])}")
        vocab[name(ours.vocab[256 + r])] = 256 + r
    vocab["<|endoftext|>"] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (directory / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return vocab


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("gpt2")
    vocab = write_vocab(d)
    torch.manual_seed(0)
    cfg = GPT2Config(
        vocab_size=len(vocab),
        n_positions=32,
        n_embd=16,
        n_layer=2,
        n_head=2,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        initializer_range=0.3,  # logits far apart: greedy decoding has no near-ties
        bos_token_id=vocab["<|endoftext|>"],
        eos_token_id=vocab["<|endoftext|>"],
    )
    hf = GPT2LMHeadModel(cfg).eval()
    hf.save_pretrained(d, safe_serialization=True)
    return d, hf


def test_byte_stand_ins_are_a_bijection_onto_printable_characters():
    table = bytes_to_unicode()
    assert len(set(table.values())) == 256
    assert all(c.isprintable() and not c.isspace() for c in table.values())
    assert table[ord("A")] == "A" and table[ord("\n")] == "Ċ"


def test_tokenizer_matches_transformers_gpt2_tokenizer(checkpoint):
    d, _ = checkpoint
    ours = GPT2Tokenizer.from_files(d / "vocab.json", d / "merges.txt")
    ref = HFGPT2Tokenizer(str(d / "vocab.json"), str(d / "merges.txt"))
    for text in [TEXT, "the fox", "  over  the\tlazy\n\ndog's", "naïve 日本 don't", "", "x"]:
        ids = ours.encode(text)
        assert ids == ref.encode(text), text
        assert ours.decode(ids) == text
    assert ours.encode("a<|endoftext|>", allowed_special="all") == ref.encode("a<|endoftext|>")


def test_safetensors_reader_reads_what_torch_wrote(checkpoint):
    from safetensors.torch import load_file

    d, _ = checkpoint
    ours, ref = read_safetensors(d / "model.safetensors"), load_file(d / "model.safetensors")
    assert set(ours) == set(ref)
    for k in ref:
        np.testing.assert_array_equal(ours[k], ref[k].numpy(), err_msg=k)


def test_bf16_and_bad_files(tmp_path):
    from safetensors.torch import save_file

    x = torch.randn(3, 4).to(torch.bfloat16)
    save_file({"x": x}, tmp_path / "b.safetensors")
    np.testing.assert_array_equal(
        read_safetensors(tmp_path / "b.safetensors")["x"], x.float().numpy()
    )
    (tmp_path / "bad.safetensors").write_bytes(b"\xff\xff\xff\xff\x00\x00\x00\x00{}")
    with pytest.raises(ValueError, match="header length"):
        read_safetensors(tmp_path / "bad.safetensors")
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        load_gpt2(tmp_path)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_equal_gpt2lmheadmodel(checkpoint, dtype):
    d, hf = checkpoint
    model, tok = load_gpt2(d, dtype=dtype)
    ids = np.array([tok.encode("The quick brown fox jumps over the lazy dog.")[:20]])
    with torch.no_grad():
        ref = hf(torch.tensor(ids)).logits.double().numpy()
    logits, _ = model(ids)
    tol = 1e-4 if dtype == np.float32 else 1e-5
    np.testing.assert_allclose(logits.data, ref, atol=tol, rtol=tol)


def test_greedy_generations_equal_gpt2lmheadmodel(checkpoint):
    d, hf = checkpoint
    model, tok = load_gpt2(d)
    for prompt in ["The quick", "don't", "日本"]:
        ids = np.array([tok.encode(prompt)])
        with torch.no_grad():
            ref = hf.generate(
                torch.tensor(ids), max_new_tokens=12, do_sample=False, pad_token_id=tok.eot_token
            ).numpy()
        ours = model.generate(ids, 12, top_k=1, generator=0)
        np.testing.assert_array_equal(np.asarray(ours)[:, : ref.shape[1]], ref, err_msg=prompt)
