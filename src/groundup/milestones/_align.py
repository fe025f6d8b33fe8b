"""What the alignment milestones share: the base character GPT, its tokenizer, and evaluation.

The base policy is either a ``gpt-shakespeare`` run (``--set base=RUN_DIR``) or a small GPT
pretrained here on the bundled plays with a fixed seed (the *same* initial policy for
every seed and method of a comparison). A pretrained base is cached under the data cache
(``models/align-base-<hash>.npz``): it is a deterministic function of its settings, so a
cached and a fresh one are equal.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import ConfigError, Min, RunConfig


@dataclass(frozen=True)
class BaseModelConfig(RunConfig):
    """The base GPT's options, shared by the alignment milestones."""

    base: str | None = None
    """A gpt-shakespeare run directory to start from (none: pretrain the small GPT below)."""
    n_layer: Annotated[int, Min(1)] = 2
    """Decoder blocks of the pretrained base."""
    n_head: Annotated[int, Min(1)] = 4
    """Attention heads of the pretrained base."""
    n_embd: Annotated[int, Min(1)] = 64
    """Width of the pretrained base."""
    block_size: Annotated[int, Min(2)] = 64
    """Context length of the pretrained base."""
    pretrain_iters: Annotated[int, Min(1)] = 300
    """AdamW iterations of pretraining on the plays (batch 16, lr 2e-3, cosine to 2e-4)."""
    cache_base: bool = True
    """Keep the pretrained base in the data cache and reuse it."""

    def quick_base(self, **task: Any) -> Any:
        """This config with the tiny, uncached base of every alignment ``--quick`` run, and ``task``."""
        return replace(
            self,
            n_layer=1,
            n_head=2,
            n_embd=32,
            block_size=32,
            pretrain_iters=20,
            cache_base=False,
            **task,
        )

    def check_base(self) -> None:
        """Raise :class:`ConfigError` for a base whose heads do not divide its width."""
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_head={self.n_head} must divide n_embd={self.n_embd}")


def tokenizer_and_text() -> tuple[Any, dict[str, str]]:
    from groundup import data
    from groundup.sequence.tokenizers import CharTokenizer

    text = data.load("shakespeare")
    return CharTokenizer.train(text["train"] + text["val"]), text


def _encode(tok: Any, s: str) -> np.ndarray:
    lut = np.zeros(max(map(ord, tok.chars)) + 1, dtype=np.int64)
    lut[[ord(c) for c in tok.chars]] = np.arange(tok.vocab_size)
    return lut[np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)]


def pretrain(cfg: BaseModelConfig, tok: Any, text: dict[str, str]) -> Any:
    """A small GPT pretrained on the plays, from a fixed seed (not the run's)."""
    from groundup.milestones.gpt_shakespeare import _batch
    from groundup.optim.lr_scheduler import WarmupCosineLR
    from groundup.optimization.gradient_utils import clip_grad_norm_
    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    ids = _encode(tok, text["train"][:1_000_000])
    config = GPTConfig(
        block_size=cfg.block_size,
        vocab_size=tok.vocab_size,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        n_embd=cfg.n_embd,
        bias=False,
    )
    model = GPT(config, generator=np.random.default_rng([0, 0]))
    opt = model.configure_optimizers(0.1, 2e-3, (0.9, 0.99))
    warmup = min(50, cfg.pretrain_iters - 1)
    sched = WarmupCosineLR(opt, warmup, cfg.pretrain_iters, min_lr=2e-4)
    rng = np.random.default_rng([0, 1])
    for _ in range(cfg.pretrain_iters):
        x, y = _batch(ids, 16, cfg.block_size, rng)
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    model.eval()
    return model


def base_model(cfg: BaseModelConfig, console: Any = None) -> tuple[Any, Any, dict[str, str], dict]:
    """``(model, tokenizer, text, info)``: the run directory's GPT, or the (cached) pretrained one."""
    from groundup.data.cache import cache_dir
    from groundup.nn import load, save
    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    tok, text = tokenizer_and_text()
    if cfg.base:
        from groundup.milestones.gpt_shakespeare import load_model

        model, tok, meta = load_model(cfg.base)
        return model, tok, text, {"base": str(cfg.base), "base_iters": int(meta.get("iter", 0))}
    key = {
        k: getattr(cfg, k) for k in ("n_layer", "n_head", "n_embd", "block_size", "pretrain_iters")
    }
    digest = hashlib.sha256(json.dumps({**key, "v": 1}, sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / "models" / f"align-base-{digest}.npz"
    info: dict[str, Any] = {"base": "pretrained", **key}
    if cfg.cache_base and path.exists():
        model = GPT(GPTConfig(**load(path)["config"]))
        model.load_state_dict({k: np.asarray(v) for k, v in load(path)["model"].items()})
        model.eval()
        return model, tok, text, {**info, "base_cached": True}
    t0 = time.perf_counter()
    if console is not None:
        console.print(f"pretraining the base GPT ({cfg.pretrain_iters} iterations)")
    model = pretrain(cfg, tok, text)
    info["seconds"] = round(time.perf_counter() - t0, 1)  # pretraining wall time
    if cfg.cache_base:
        path.parent.mkdir(parents=True, exist_ok=True)
        save({"config": model.config.to_dict(), "model": model.state_dict()}, path)
    return model, tok, text, {**info, "base_cached": False}


def copy_model(model: Any) -> Any:
    """A trainable deep copy of ``model``."""
    import copy

    new = copy.deepcopy(model)
    new.requires_grad_(True)
    new.train()
    return new
