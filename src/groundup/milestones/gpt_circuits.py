r"""Milestone ``gpt-circuits``: find the induction and previous-token heads of the Shakespeare GPT.

The tools of :mod:`groundup.interpretability` on a real model: the character-level GPT of
``gpt-shakespeare`` (4 layers, 4 heads; a run directory with ``--set run=DIR``, or, by
default, one trained here for ``iters`` iterations with the same recipe).

The probe (Olsson et al., 2022; TransformerLens's main demo): ``n_seqs`` sequences of
``half`` random letters written twice. In the second half every character has occurred
before, and a model that copies predicts it from the first half.

* **Head scores.** On the probe's cache, every head's induction score (the share of
  attention on "the character after the earlier copy of mine", counted over the second
  half: a perfect induction head scores 1, uniform attention about $1/T$) and its
  previous-token score (attention on position $i - 1$), as a layer × head heatmap.
* **Activation patching.** *Clean*: the probe; *corrupted*: the same second halves after
  a fresh random first half, so there is nothing to copy. The metric is the mean
  log-probability of the clean second half's characters; patching one activation of the
  clean run into the corrupted run restores a fraction
  $(m_\text{patched} - m_\text{corrupted}) / (m_\text{clean} - m_\text{corrupted})$ of it.
  Patched: the residual stream of each layer at each position (``hook_resid_pre``; which
  positions carry the copied information, layer by layer) and each head's output
  (``hook_z``, all positions; which heads do the copying).

Figures: ``head_scores.png``, ``patching.png``, ``attention_patterns.png`` (the best
induction head and the best previous-token head on one probe sequence).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import ConfigError, Milestone, Min, RunConfig, RunContext

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``gpt-circuits``."""

    run: str = ""
    """A gpt-shakespeare run directory (or its checkpoint.npz); empty: train a GPT here."""
    data: str = "shakespeare"
    """The text corpus of the GPT trained here."""
    iters: Annotated[int, Min(1)] = 2000
    """Training iterations of the GPT trained here (gpt-shakespeare's recipe)."""
    batch_size: Annotated[int, Min(1)] = 12
    """Sequences per training step."""
    block_size: Annotated[int, Min(4)] = 64
    """Context length of the GPT trained here."""
    n_layer: Annotated[int, Min(1)] = 4
    """Decoder blocks of the GPT trained here."""
    n_head: Annotated[int, Min(1)] = 4
    """Heads per block of the GPT trained here."""
    n_embd: Annotated[int, Min(1)] = 128
    """Width of the GPT trained here."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Peak AdamW learning rate (100 warm-up steps, cosine to lr / 10)."""
    train_chars: Annotated[int | None, Min(2)] = None
    """Train on the first N characters of the corpus (none: all)."""
    n_seqs: Annotated[int, Min(1)] = 16
    """Probe sequences."""
    half: Annotated[int, Min(2)] = 24
    """Random letters per half of a probe sequence (2 * half <= the model's context)."""

    def quick(self) -> Config:
        return replace(
            self, iters=20, batch_size=4, block_size=16, n_layer=2, n_head=2, n_embd=16,
            train_chars=50_000, n_seqs=4, half=6,
        )  # fmt: skip


def probe_tokens(tok: Any, n: int, half: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2 * half)`` ids: ``half`` random letters, then the same letters again."""
    letters = [c for c in LETTERS if c in tok.chars]
    ids = np.array(tok.encode("".join(letters)))
    first = rng.choice(ids, size=(n, half))
    return np.concatenate([first, first], axis=1)


def copy_metric(targets: np.ndarray) -> Any:
    """The mean log-probability of ``targets`` ``(n, 2 * half)`` over the second half.

    Position ``t`` predicts token ``t + 1``; the predictions scored are those of positions
    ``half .. 2 half - 2``, whose targets occurred ``half`` positions earlier.
    """
    half = targets.shape[1] // 2

    def metric(logits: np.ndarray) -> float:
        z = np.asarray(logits, dtype=np.float64)[:, half:-1]  # (n, half - 1, V)
        z = z - z.max(-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
        y = targets[:, half + 1 :]  # (n, half - 1)
        return float(np.take_along_axis(logp, y[..., None], axis=-1).mean())

    return metric


def _train_gpt(cfg: Config, ctx: RunContext) -> tuple[Any, Any]:
    """gpt-shakespeare's recipe for ``cfg.iters`` iterations; the checkpoint loads with its ``load_model``."""
    from groundup import data
    from groundup.milestones.gpt_shakespeare import _batch
    from groundup.optim.lr_scheduler import WarmupCosineLR
    from groundup.optimization.gradient_utils import clip_grad_norm_
    from groundup.sequence.tokenizers import CharTokenizer
    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    text = data.load(cfg.data)
    tok = CharTokenizer.train(text["train"] + text["val"])
    ids = np.array(tok.encode(text["train"][: cfg.train_chars]))
    config = GPTConfig(
        block_size=cfg.block_size,
        vocab_size=tok.vocab_size,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        n_embd=cfg.n_embd,
        bias=False,
    )
    model = GPT(config, generator=ctx.rng(0))
    optimizer = model.configure_optimizers(0.1, cfg.lr, (0.9, 0.99))
    scheduler = WarmupCosineLR(optimizer, min(100, cfg.iters - 1), cfg.iters, min_lr=cfg.lr / 10)
    rng = ctx.rng(1)
    loop = ctx.loop(
        cfg.iters,
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        every=max(cfg.iters // 8, 1),
        unit="iteration",
        meta={"config": config.to_dict(), "tokenizer": tok.to_dict(), "data": cfg.data},
    )
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for i in loop:
            x, y = _batch(ids, cfg.batch_size, cfg.block_size, rng)
            _, loss = model(x, y)
            optimizer.zero_grad()
            loss.backward()
            value = loop.check(loss)
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            bar.advance(1, loss=value)
            if (i + 1) % max(cfg.iters // 8, 1) == 0 or i + 1 == cfg.iters:
                ctx.log(i + 1, train_loss=value)
    model.eval()
    return model, tok


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.interpretability.circuits import (
        induction_score,
        patch_heads,
        patch_residual,
        previous_token_score,
    )
    from groundup.interpretability.hooks import run_with_cache
    from groundup.milestones.gpt_shakespeare import load_model

    if cfg.run:
        model, tok, _ = load_model(cfg.run)
    else:
        model, tok = _train_gpt(cfg, ctx)
    T = 2 * cfg.half
    if T > model.config.block_size:
        raise ConfigError(
            f"--set half={cfg.half}: 2 * half must fit the model's context "
            f"{model.config.block_size}"
        )
    rng = ctx.rng(2)
    clean = probe_tokens(tok, cfg.n_seqs, cfg.half, rng)  # (n, T)
    corrupted = clean.copy()
    corrupted[:, : cfg.half] = probe_tokens(tok, cfg.n_seqs, cfg.half, rng)[:, : cfg.half]
    metric = copy_metric(clean)

    logits, cache = run_with_cache(model, clean, lambda n: n.endswith("hook_pattern"))
    L = model.config.n_layer
    patterns = [cache["pattern", layer] for layer in range(L)]  # (n, H, T, T) each
    induction = np.stack([induction_score(p, clean, repeated_only=True) for p in patterns])
    previous = np.stack([previous_token_score(p) for p in patterns])  # (L, H)

    m_clean = metric(logits.data)
    m_corrupted = metric(model(corrupted)[0].data)
    gap = m_clean - m_corrupted
    residual = (patch_residual(model, clean, corrupted, metric) - m_corrupted) / gap  # (L+1, T)
    heads = (patch_heads(model, clean, corrupted, metric) - m_corrupted) / gap  # (L, H)
    _figures(ctx, induction, previous, residual, heads, patterns, clean, tok)

    best_ind = np.unravel_index(np.argmax(induction), induction.shape)
    best_prev = np.unravel_index(np.argmax(previous), previous.shape)
    best_patch = np.unravel_index(np.argmax(heads), heads.shape)
    return {
        "model": cfg.run or f"trained here, {cfg.iters} iterations",
        "n_layer": L,
        "n_head": model.config.n_head,
        "induction_scores": np.round(induction, 4).tolist(),
        "previous_token_scores": np.round(previous, 4).tolist(),
        "uniform_induction_score": round(_uniform_stripe(T, cfg.half), 4),
        "best_induction_head": [int(i) for i in best_ind],
        "best_previous_token_head": [int(i) for i in best_prev],
        "copy_logprob_clean": round(m_clean, 4),
        "copy_logprob_corrupted": round(m_corrupted, 4),
        "head_patching_restored": np.round(heads, 4).tolist(),
        "best_patched_head": [int(i) for i in best_patch],
        "residual_patching_restored": np.round(residual, 3).tolist(),
        "train_seconds": round(ctx.elapsed(), 1),
    }


def _uniform_stripe(T: int, half: int) -> float:
    """The induction score (second half) of a head that attends uniformly to ``0..i``."""
    return float(np.mean([1 / (i + 1) for i in range(half, T)]))


def _figures(
    ctx: RunContext,
    induction: np.ndarray,
    previous: np.ndarray,
    residual: np.ndarray,
    heads: np.ndarray,
    patterns: list[np.ndarray],
    tokens: np.ndarray,
    tok: Any,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def heatmap(ax: Any, values: np.ndarray, title: str, xlabel: str, ylabel: str) -> None:
        im = ax.imshow(values, cmap="viridis", aspect="auto")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.figure.colorbar(im, ax=ax, fraction=0.046)
        if values.shape[1] <= 16:
            ax.set_xticks(range(values.shape[1]))
        ax.set_yticks(range(values.shape[0]))
        if values.size <= 64:
            for (r, c), v in np.ndenumerate(values):
                ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=7, color="w")

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    heatmap(axes[0], induction, "induction score (second half)", "head", "layer")
    heatmap(axes[1], previous, "previous-token score", "head", "layer")
    fig.suptitle("Every head of the Shakespeare GPT on random letters written twice")
    fig.tight_layout()
    ctx.save_figure(fig, "head_scores.png")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1]})
    L = residual.shape[0] - 1
    heatmap(axes[0], residual, "residual stream patched (layer x position)", "position", "")
    axes[0].set_yticks(range(L + 1), [f"resid_pre {i}" for i in range(L)] + [f"resid_post {L - 1}"])
    axes[0].axvline(residual.shape[1] / 2 - 0.5, color="w", ls="--", lw=0.8)
    heatmap(axes[1], heads, "one head's output patched", "head", "layer")
    fig.suptitle(
        "Share of the copy restored by patching one clean activation into the corrupted run"
    )
    fig.tight_layout()
    ctx.save_figure(fig, "patching.png")

    chars = tok.decode(tokens[0].tolist())
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, scores, name in ((axes[0], _best(patterns, tokens, "induction"), "induction"),
                             (axes[1], _best(patterns, tokens, "previous"), "previous-token")):  # fmt: skip
        (layer, head), A = scores
        ax.imshow(A, cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(len(chars)), list(chars), fontsize=5)
        ax.set_yticks(range(len(chars)), list(chars), fontsize=5)
        ax.set_title(f"best {name} head: layer {layer}, head {head}", fontsize=9)
    ctx.save_figure(fig, "attention_patterns.png")


def _best(
    patterns: list[np.ndarray], tokens: np.ndarray, kind: str
) -> tuple[tuple[int, int], np.ndarray]:
    """The (layer, head) with the highest score of ``kind`` and its pattern on sequence 0."""
    from groundup.interpretability.circuits import induction_score, previous_token_score

    def score(p: np.ndarray) -> np.ndarray:
        if kind == "induction":
            return induction_score(p, tokens, repeated_only=True)
        return previous_token_score(p)

    s = np.stack([score(p) for p in patterns])  # (L, H)
    layer, head = (int(i) for i in np.unravel_index(np.argmax(s), s.shape))
    return (layer, head), patterns[layer][0, head]


def _check(s: dict[str, Any]) -> bool:
    induction = np.array(s["induction_scores"])
    return (
        s["copy_logprob_clean"] > s["copy_logprob_corrupted"] + 1.0
        and induction[1:].max() >= 0.3
        and np.array(s["previous_token_scores"]).max() >= 0.3
    )


MILESTONE = Milestone(
    name="gpt-circuits",
    title="Induction and previous-token heads of the Shakespeare GPT, and activation patching",
    phase="Study guide, mechanistic interpretability; six-month syllabus week 22",
    target=(
        "the GPT copies a repeated random string (clean log-probability > corrupted + 1 nat), a "
        "head after layer 0 with an induction score >= 0.3 and a head with a previous-token "
        "score >= 0.3; every head's scores and the patching results as heatmaps"
    ),
    expected_time="the GPT's training (gpt-shakespeare: ~6 min for 2,000 iterations) plus ~1 min",
    train=train,
    config=Config,
    check=_check,
)
