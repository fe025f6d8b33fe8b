"""Milestone ``seq2seq-dates``: translate human-written dates to ISO 8601 with attention (Phase 6).

"3rd of March 2021", "2021/3/3", "March 3, 2021", "03.03.21", "Wed 3 Mar 2021", ... all
become ``2021-03-03``. A character-level :class:`~groundup.sequence.recurrent.Seq2Seq`
(bidirectional GRU encoder, GRU decoder with additive attention) learns it from dates it
generates itself, and the attention matrix shows it: the year digits of the output look
at the year in the input, the month at the month name or number, wherever the format put
them.

**Data** (generated in code, seeded). Dates are the 36,525 days of 1950-2049 (two-digit
years ``yy`` read as 19yy for yy >= 50, else 20yy). Each example writes one date with one
of the ``TEMPLATES`` below (19 surface forms: ordinals, full and short month names in
three cases, weekdays, US ``mm/dd/yyyy``, European ``dd.mm.yy``, compact ``yyyymmdd``, ...).

**What is held out.**

* *Unseen dates* (the target): 10% of the days, drawn at random, never appear in
  training in any form. ``test_accuracy`` is the exact-match accuracy of greedy decoding
  on 2,000 (unseen date, training template) pairs; so every test input is a string the
  model has never seen, and every test output a date it was never asked to produce.
* *Unseen forms* (reported, no target): the ``HELD_OUT_TEMPLATES`` never appear in
  training at all. ``unseen_template_accuracy`` gives the exact match on each, on unseen
  dates; some transfer (a new punctuation around known parts), some cannot (a new order
  of the fields is ambiguous without an example).
"""

from __future__ import annotations

import datetime
import string
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.milestones.base import Milestone, RunContext

MONTHS = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(d: int) -> str:
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


def _fields(x: datetime.date) -> dict[str, str]:
    month, weekday = MONTHS[x.month - 1], WEEKDAYS[x.weekday()]
    return {
        "d": str(x.day), "dd": f"{x.day:02d}", "ord": _ordinal(x.day),
        "m": str(x.month), "mm": f"{x.month:02d}",
        "Month": month, "month": month.lower(), "MONTH": month.upper(),
        "Mon": month[:3], "MON": month[:3].upper(),
        "Y": str(x.year), "yy": f"{x.year % 100:02d}",
        "Weekday": weekday, "Wkd": weekday[:3],
    }  # fmt: skip


TEMPLATES = [
    "{ord} of {Month} {Y}",
    "{Y}/{m}/{d}",
    "{Month} {d}, {Y}",
    "{dd}.{mm}.{yy}",
    "{Wkd} {d} {Mon} {Y}",
    "{d} {Month} {Y}",
    "{Y}-{mm}-{dd}",
    "{mm}/{dd}/{Y}",
    "{Weekday}, {Month} {ord}, {Y}",
    "{d}.{m}.{Y}",
    "{dd} {MON} {yy}",
    "the {ord} of {month}, {Y}",
    "{Y}{mm}{dd}",
    "{d}-{Mon}-{Y}",
    "{Mon} {d} '{yy}",
    "{Weekday} {d} {Month} {Y}",
    "{ord} {Month}, {Y}",
    "{MONTH} {d} {Y}",
    "{month} {ord} {Y}",
]
"""The training forms (each also appears in the unseen-dates test set)."""

HELD_OUT_TEMPLATES = [
    "{Mon}. {d}, {Y}",
    "{d} {month} {Y}",
    "{Weekday} the {ord} of {Month} {Y}",
    "{Y}.{mm}.{dd}",
]
"""Forms never seen in training, reported one by one."""

SRC_CHARS = " " + string.ascii_letters + string.digits + ",./-'"
SRC_INDEX = {ch: i + 1 for i, ch in enumerate(SRC_CHARS)}  # 0 is padding
TGT_TOKENS = ["<pad>", "<bos>", "<eos>", *string.digits, "-"]
TGT_INDEX = {t: i for i, t in enumerate(TGT_TOKENS)}
ISO_LEN = 10


def render(template: str, x: datetime.date) -> str:
    """``template`` filled with the fields of ``x``: ``render("{d}.{m}.{Y}", date) == "3.3.2021"``."""
    return template.format(**_fields(x))


def split_dates(rng: np.random.Generator, test_share: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers (``date.toordinal()``) of 1950-2049 split into train and held-out test days."""
    first, last = datetime.date(1950, 1, 1).toordinal(), datetime.date(2049, 12, 31).toordinal()
    days = rng.permutation(np.arange(first, last + 1))
    n_test = round(test_share * len(days))
    return np.sort(days[n_test:]), np.sort(days[:n_test])


def make_examples(
    days: np.ndarray, templates: list[str], n: int, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """``n`` (input, ISO output) string pairs: random days, random templates."""
    picks = rng.integers(len(days), size=n)
    forms = rng.integers(len(templates), size=n)
    dates = [datetime.date.fromordinal(int(days[i])) for i in picks]
    return [render(templates[f], x) for f, x in zip(forms, dates)], [x.isoformat() for x in dates]


def encode(inputs: list[str], outputs: list[str] | None = None) -> tuple[np.ndarray, ...]:
    """Padded source ids ``(B, S)``; with outputs also decoder inputs and targets ``(B, 11)``."""
    S = max(len(s) for s in inputs)
    src = np.zeros((len(inputs), S), dtype=np.int64)
    for i, s in enumerate(inputs):
        src[i, : len(s)] = [SRC_INDEX[ch] for ch in s]
    if outputs is None:
        return (src,)
    body = np.array([[TGT_INDEX[ch] for ch in y] for y in outputs])  # (B, 10)
    bos = np.full((len(outputs), 1), TGT_INDEX["<bos>"])
    eos = np.full((len(outputs), 1), TGT_INDEX["<eos>"])
    return src, np.concatenate([bos, body], 1), np.concatenate([body, eos], 1)


def decode(tokens: np.ndarray) -> list[str]:
    """Token rows back to strings, stopping at EOS."""
    out = []
    for row in tokens:
        chars = []
        for t in row:
            if t == TGT_INDEX["<eos>"]:
                break
            chars.append(TGT_TOKENS[t] if t > 2 else "?")
        out.append("".join(chars))
    return out


def translate(model: Any, inputs: list[str], batch_size: int = 500) -> list[str]:
    """Greedy translations of ``inputs``."""
    preds: list[str] = []
    for i in range(0, len(inputs), batch_size):
        (src,) = encode(inputs[i : i + batch_size])
        tokens, _ = model.greedy_decode(src, max_len=ISO_LEN + 1)
        preds += decode(tokens)
    return preds


def exact_match(model: Any, inputs: list[str], outputs: list[str]) -> float:
    return float(np.mean([p == y for p, y in zip(translate(model, inputs), outputs)]))


def plot_attention(ctx: RunContext, model: Any, text: str) -> Any:
    """A heat map of the attention of each output character over the input characters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (src,) = encode([text])
    tokens, attention = model.greedy_decode(src, max_len=ISO_LEN + 1)
    out = [TGT_TOKENS[t] for t in tokens[0]]
    fig, ax = plt.subplots(figsize=(0.35 * len(text) + 1.5, 0.35 * len(out) + 1.2))
    ax.imshow(attention[0], cmap="viridis", aspect="auto", vmin=0, vmax=1)
    ax.set_xticks(range(len(text)), list(text))
    ax.set_yticks(range(len(out)), out)
    ax.set_xlabel("input characters")
    ax.set_ylabel("output characters")
    ax.set_title(f"attention: {text!r} -> {decode(tokens)[0]}")
    return ctx.save_figure(fig, "attention.png")


def train(ctx: RunContext) -> dict[str, Any]:
    from groundup import optim
    from groundup.nn import functional as F
    from groundup.optimization.gradient_utils import clip_grad_norm_
    from groundup.sequence.recurrent import Seq2Seq, Seq2SeqConfig

    q = ctx.quick
    steps = ctx.option("steps", 40 if q else 800)
    batch_size = ctx.option("batch_size", 32 if q else 64)
    n_test = ctx.option("n_test", 100 if q else 2000)
    train_days, test_days = split_dates(ctx.rng(1))
    config = Seq2SeqConfig(
        src_vocab_size=len(SRC_CHARS) + 1,
        tgt_vocab_size=len(TGT_TOKENS),
        embedding_dim=ctx.option("embedding_dim", 16 if q else 32),
        hidden_size=ctx.option("hidden_size", 16 if q else 64),
        decoder_hidden_size=ctx.option("decoder_hidden_size", 32 if q else 128),
        attention=ctx.option("attention", "additive"),
        attention_size=ctx.option("attention_size", 16 if q else 64),
    )
    model = Seq2Seq(config, generator=ctx.rng(0))
    optimizer = optim.Adam(model.parameters(), lr=ctx.option("lr", 3e-3))
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=1e-4)
    data_rng, test_rng = ctx.rng(2), ctx.rng(3)
    test_inputs, test_outputs = make_examples(test_days, TEMPLATES, n_test, test_rng)
    cpu0 = time.process_time()
    loss_avg = None
    with ctx.progress(steps, ctx.name) as bar:
        for step in range(1, steps + 1):
            inputs, outputs = make_examples(train_days, TEMPLATES, batch_size, data_rng)
            src, tgt_in, tgt_out = encode(inputs, outputs)
            logits, _ = model(src, tgt_in)  # (B, 11, V)
            loss = F.cross_entropy(logits.reshape(-1, config.tgt_vocab_size), tgt_out.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            loss_avg = loss.item() if loss_avg is None else 0.95 * loss_avg + 0.05 * loss.item()
            if step % (10 if q else 100) == 0 or step == steps:
                model.eval()
                sample = exact_match(model, test_inputs[:200], test_outputs[:200])
                model.train()
                ctx.log(step, loss=loss_avg, test_exact_match_sample=sample)
                bar.advance(0, loss=loss_avg, exact=sample)
            bar.advance(1)
    train_seconds, train_cpu = ctx.elapsed(), time.process_time() - cpu0
    model.eval()
    test_accuracy = exact_match(model, test_inputs, test_outputs)
    unseen = {}
    for template in HELD_OUT_TEMPLATES:
        inputs, outputs = make_examples(test_days, [template], 100 if q else 500, test_rng)
        unseen[template] = exact_match(model, inputs, outputs)
    examples = ["3rd of March 2021", "2021/3/3", "March 3, 2021", "03.03.21", "Wed 3 Mar 2021"]
    plot_attention(ctx, model, "Wednesday, March 3rd, 2021")
    arrays = {k: v.data for k, v in model.state_dict().items()}
    ctx.save_checkpoint(arrays, {"config": vars(config)})
    return {
        "test_accuracy": test_accuracy,
        "unseen_template_accuracy": unseen,
        "examples": dict(zip(examples, translate(model, examples))),
        "steps": steps,
        "batch_size": batch_size,
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
        "n_train_days": len(train_days),
        "n_test_days": len(test_days),
    }


_check: Callable[[dict[str, Any]], bool] = lambda s: s["test_accuracy"] >= 0.95  # noqa: E731

MILESTONE = Milestone(
    name="seq2seq-dates",
    title="Character seq2seq with additive attention: human-written dates -> ISO 8601",
    phase="Phase 6 (implementation curriculum), weeks 11-12",
    target="test_accuracy >= 0.95 (exact match, greedy, on dates never seen in training)",
    expected_time="~3 min wall, ~70 s CPU (OPENBLAS_NUM_THREADS=1; see docs/results.md)",
    train=train,
    check=_check,
    variants={"--set attention=dot": "Luong's (general) dot score instead of the additive one"},
    options={
        "steps": "training steps (default 800)",
        "batch_size": "examples per step (default 64)",
        "lr": "Adam learning rate, cosine-annealed to 1e-4 (default 3e-3)",
        "attention": "additive (default) or dot",
        "hidden_size": "encoder GRU size per direction (default 64)",
        "decoder_hidden_size": "decoder GRU size (default 128)",
        "embedding_dim": "character embedding size (default 32)",
        "attention_size": "additive scorer width (default 64)",
        "n_test": "held-out test examples (default 2000)",
    },
)
