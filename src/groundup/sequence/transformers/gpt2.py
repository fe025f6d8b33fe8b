r"""Loading Hugging Face GPT-2 checkpoints into groundup's :class:`~groundup.sequence.transformers.gpt.GPT`.

A GPT-2 directory (``save_pretrained``, or the hub's ``gpt2``) holds ``config.json``,
``model.safetensors``, ``vocab.json`` and ``merges.txt``. Three things are read here,
with NumPy only:

* **safetensors** — an 8-byte little-endian header length $N$, $N$ bytes of JSON
  ``{name: {dtype, shape, data_offsets: [begin, end]}}``, then the raw little-endian
  tensor bytes (:func:`read_safetensors`; F32, F16, BF16, F64).
* **weights** — GPT-2 uses nanoGPT's names, but its ``Conv1D`` layers store the weight as
  ``(in, out)``: $y = xW + b$. groundup's ``Linear`` stores ``(out, in)``, so every
  ``c_attn``, ``c_proj`` and ``c_fc`` weight is transposed. The head is the embedding
  (weight tying); the ``attn.bias`` causal-mask buffers are not parameters.
* **byte-level BPE** — ``vocab.json`` names tokens by *printable stand-ins* for bytes
  (:func:`bytes_to_unicode`: ``Ġ`` is the space byte 0x20) and its ids are not
  groundup's (which gives byte $b$ the id $b$ and merge $r$ the id $256 + r$).
  :class:`GPT2Tokenizer` runs groundup's
  :class:`~groundup.sequence.tokenizers.bpe.ByteBPETokenizer` with the merges of
  ``merges.txt`` and maps ids through a permutation.

>>> bytes_to_unicode()[ord(" ")], bytes_to_unicode()[ord("a")]
('Ġ', 'a')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from groundup.sequence.tokenizers.bpe import ByteBPETokenizer
from groundup.sequence.transformers.gpt import GPT, GPTConfig

__all__ = ["GPT2Tokenizer", "bytes_to_unicode", "load_gpt2", "read_safetensors"]

_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
}


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a NumPy array (BF16 widened to float32)."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    n = int.from_bytes(raw[:8], "little")
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} exceeds the file size {len(raw)}")
    header = json.loads(raw[8 : 8 + n])
    data = memoryview(raw)[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = data[begin:end]
        if info["dtype"] == "BF16":
            # bfloat16 is the top half of a float32
            arr = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] in _DTYPES:
            arr = np.frombuffer(buf, np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        out[name] = arr.reshape(info["shape"]).copy()
    return out


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in for each byte: printable Latin-1 maps to itself, the rest to U+0100 on."""
    keep = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


class GPT2Tokenizer:
    """GPT-2's byte-level BPE from ``vocab.json`` and ``merges.txt``, on :class:`ByteBPETokenizer`.

    Parameters
    ----------
    vocab : dict of str to int
        ``vocab.json``: token (in :func:`bytes_to_unicode` stand-ins) → GPT-2 id.
    merges : list of (str, str)
        ``merges.txt`` without its ``#version`` line, in rank order.
    """

    def __init__(self, vocab: dict[str, int], merges: list[tuple[str, str]]) -> None:
        b2u = bytes_to_unicode()
        u2b = {u: b for b, u in b2u.items()}
        ours = {bytes([b]): b for b in range(256)}  # token bytes -> groundup id
        pairs = []
        for r, (a, b) in enumerate(merges):
            ba, bb = (bytes(u2b[ch] for ch in s) for s in (a, b))
            if ba not in ours or bb not in ours:
                raise ValueError(f"merges.txt line {r + 1}: {a!r} {b!r} merges an unknown token")
            pairs.append((ours[ba], ours[bb]))
            ours.setdefault(ba + bb, 256 + r)
        specials = {t: i for t, i in vocab.items() if t.startswith("<|") and t.endswith("|>")}
        self.bpe = ByteBPETokenizer(
            pairs, special_tokens={t: len(pairs) + 256 + k for k, t in enumerate(specials)}
        )
        # groundup id -> GPT-2 id, through each token's bytes
        n = self.bpe.vocab_size
        self.to_gpt2 = np.full(n, -1, dtype=np.int64)
        for i, tok_bytes in enumerate(self.bpe.vocab):
            name = "".join(b2u[x] for x in tok_bytes)
            if name in vocab:
                self.to_gpt2[i] = vocab[name]
        for t, i in self.bpe.special_tokens.items():
            self.to_gpt2[i] = specials[t]
        self.from_gpt2 = {int(g): i for i, g in enumerate(self.to_gpt2) if g >= 0}
        self.eot_token = vocab.get("<|endoftext|>")

    @classmethod
    def from_files(cls, vocab_json: str | Path, merges_txt: str | Path) -> GPT2Tokenizer:
        vocab = json.loads(Path(vocab_json).read_text(encoding="utf-8"))
        lines = Path(merges_txt).read_text(encoding="utf-8").splitlines()
        merges = [
            tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")
        ]
        return cls(vocab, merges)  # type: ignore[arg-type]

    def encode(self, text: str, **kwargs: Any) -> list[int]:
        """GPT-2 ids of ``text`` (special tokens as :meth:`ByteBPETokenizer.encode`)."""
        ids = self.bpe.encode(text, **kwargs)
        out = self.to_gpt2[ids] if ids else np.zeros(0, np.int64)
        if np.any(out < 0):
            raise ValueError("encode: a token of this text has no id in vocab.json")
        return out.tolist()

    def decode(self, ids: Any, errors: str = "replace") -> str:
        """The text of GPT-2 ids."""
        try:
            return self.bpe.decode([self.from_gpt2[int(i)] for i in ids], errors=errors)
        except KeyError as e:
            raise IndexError(f"decode: id {e.args[0]} is not in vocab.json") from None


def load_gpt2(directory: str | Path, dtype: Any = np.float32) -> tuple[GPT, GPT2Tokenizer | None]:
    """A GPT-2 directory as ``(GPT, tokenizer)`` (the tokenizer is None without ``vocab.json``).

    Parameters
    ----------
    directory : path
        Holds ``config.json`` and ``model.safetensors`` (``save_pretrained``'s output).
    dtype : NumPy dtype
        Of the parameters.
    """
    d = Path(directory)
    for f in ("config.json", "model.safetensors"):
        if not (d / f).exists():
            raise FileNotFoundError(
                f"{d} has no {f}: a GPT-2 directory holds config.json and model.safetensors"
            )
    hf = json.loads((d / "config.json").read_text())
    act = hf.get("activation_function", "gelu_new")
    if act not in ("gelu_new", "gelu_pytorch_tanh", "gelu"):
        raise ValueError(f"{d}: activation_function {act!r} is not a GELU groundup's GPT has")
    if abs(hf.get("layer_norm_epsilon", 1e-5) - 1e-5) > 1e-12:
        raise ValueError(
            f"{d}: layer_norm_epsilon {hf['layer_norm_epsilon']} differs from groundup's 1e-5"
        )
    config = GPTConfig(
        block_size=hf["n_positions"],
        vocab_size=hf["vocab_size"],
        n_layer=hf["n_layer"],
        n_head=hf["n_head"],
        n_embd=hf["n_embd"],
        dropout=0.0,
        bias=True,
        approximate="none" if act == "gelu" else "tanh",
    )
    tensors = read_safetensors(d / "model.safetensors")
    state = {}
    for name, arr in tensors.items():
        key = name[len("transformer.") :] if name.startswith("transformer.") else name
        if key.endswith((".attn.bias", ".attn.masked_bias")) or key == "lm_head.weight":
            continue  # causal-mask buffers; the head is tied to wte
        if key.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            arr = arr.T  # Conv1D (in, out) -> Linear (out, in)
        state[f"transformer.{key}"] = np.ascontiguousarray(arr, dtype=dtype)
    model = GPT(config, dtype=dtype)
    expected = {k for k in model.state_dict() if k != "lm_head.weight"}
    missing, unexpected = expected - set(state), set(state) - expected
    if missing or unexpected:
        raise ValueError(
            f"{d}: weights do not match GPT-2's layout (missing {sorted(missing)[:3]}, "
            f"unexpected {sorted(unexpected)[:3]})"
        )
    state["lm_head.weight"] = state["transformer.wte.weight"]
    model.load_state_dict(state)
    model.eval()
    tok = None
    if (d / "vocab.json").exists() and (d / "merges.txt").exists():
        tok = GPT2Tokenizer.from_files(d / "vocab.json", d / "merges.txt")
    return model, tok
