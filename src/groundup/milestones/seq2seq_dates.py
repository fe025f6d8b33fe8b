"""Milestone ``seq2seq-dates``: translate human-written dates to ISO 8601 with attention (Phase 6).

"3rd of March 2021", "2021/3/3", "March 3, 2021", "03.03.21", "Wed 3 Mar 2021", ... all
become ``2021-03-03``. A character-level :class:`~groundup.sequence.recurrent.Seq2Seq`
(bidirectional GRU encoder, GRU decoder with additive attention) learns it from dates it
generates itself, and the attention matrix shows it: the year digits of the output look
at the year in the input, the month at the month name or number, wherever the format put
them.

**Data** (generated in code, seeded). Dates are the 36,525 days of 1950-2049 (two-digit
years ``yy`` read as 19yy for yy >= 50, else 20yy). Each example writes one date with one
of the 31 ``TEMPLATES`` (the training forms), built from a small set of parts: field
orders (day-month-year, month-day-year, year-month-day), separators (space, comma, "/",
"-", ".", none), month spellings (``March``, ``march``, ``MARCH``, ``Mar``, ``MAR``,
``Mar.``, ``3``, ``03``), days as ``3``, ``03`` or ``3rd``, years as ``2021`` or ``21``
(``'21``), optional weekday prefixes (``Wednesday``, ``Wed``) and "the 3rd of". No
string is written by two forms for different dates (one convention per separator for
numbers: "/" is month first unless the year leads, "." and " " and "-" day first unless
the year leads), so exact match is possible. Every separator that joins numbers ("/",
"-", ".", " ", none) also appears in training right after a leading four-digit year, so
"a four-digit year up front means year first" is a rule the data states for every
separator, not a guess left to the seed.

**What is held out.** Both sets are measured by greedy exact match, both must reach 95%.

* *Unseen forms* (the issue's target): the 5 ``HELD_OUT_TEMPLATES`` never appear in
  training. Each one recombines parts that training shows in other combinations (the
  list under ``HELD_OUT_TEMPLATES`` names where), so generalising to it is learnable
  from the data.
  ``unseen_template_accuracy`` gives each form's accuracy on 500 unseen dates, and
  ``held_out_forms_accuracy`` their pooled mean (2,500 examples): the target.
* *Unseen dates*: 10% of the days, drawn at random, never appear in training in any
  form. ``test_accuracy`` is the exact match on 2,000 (unseen date, training form)
  pairs; the held-out forms are also written only with unseen dates, so every test
  input is a string the model has never seen, and every test output a date it was
  never asked to produce.
"""

from __future__ import annotations

import datetime
import string
import time
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext
from groundup.milestones.training import count_parameters

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
    # day, month name, year
    "{ord} of {Month} {Y}",
    "the {ord} of {month}, {Y}",
    "{d} {Month} {Y}",
    "{d} {Mon} {Y}",
    "{d} {Mon}. {Y}",
    "{dd} {MON} {yy}",
    "{d}-{Mon}-{Y}",
    "{ord} {Month}, {Y}",
    "{Wkd} {d} {Mon} {Y}",
    "{Weekday} {d} {Month} {Y}",
    # month name, day, year
    "{Month} {d}, {Y}",
    "{Mon} {d} '{yy}",
    "{Mon}. {ord} {Y}",
    "{MONTH} {d} {Y}",
    "{month} {ord} {Y}",
    "{Weekday}, {Month} {ord}, {Y}",
    # year first (a four-digit year)
    "{Y}/{m}/{d}",
    "{Y}/{mm}/{dd}",
    "{Y}-{mm}-{dd}",
    "{Y}-{m}-{d}",
    "{Y}.{m}.{d}",
    "{Y} {mm} {dd}",
    "{Y}{mm}{dd}",
    "{Y}. {Month} {d}.",
    "{Y}. {m}. {d}.",
    # numbers, day first
    "{dd}.{mm}.{yy}",
    "{d}.{m}.{Y}",
    "{dd}-{mm}-{Y}",
    "{d} {m} {Y}",
    # numbers, month first (US, always with "/")
    "{mm}/{dd}/{Y}",
    "{m}/{d}/{yy}",
]
"""The training forms (each also appears in the unseen-dates test set)."""

HELD_OUT_TEMPLATES = [
    "{Mon}. {d}, {Y}",
    "{d} {month} {Y}",
    "{Weekday} the {ord} of {Month} {Y}",
    "{Y}.{mm}.{dd}",
    "{MON} {ord}, {Y}",
]
"""Forms never seen in training: new combinations of parts that training shows elsewhere.

* ``{Mon}. {d}, {Y}`` ("Mar. 3, 2021"): "Mar." in "3 Mar. 2021" and "Mar. 3rd 2021";
  month, day, comma, year in "March 3, 2021".
* ``{d} {month} {Y}`` ("3 march 2021"): lower-case names in "march 3rd 2021"; day,
  name, year in "3 March 2021".
* ``{Weekday} the {ord} of {Month} {Y}``: weekday prefixes in "Wednesday 3 March 2021";
  "the 3rd of" in "the 3rd of march, 2021".
* ``{Y}.{mm}.{dd}`` ("2021.03.03"): year-first dots with unpadded numbers in
  "2021.3.3"; zero-padded year-first numbers in "2021/03/03", "2021-03-03",
  "2021 03 03" and "20210303"; padded numbers between dots in "03.03.21" (day first:
  the leading four-digit year is what says year first). Without "2021.3.3" in training
  (the only year-first dots were "2021. March 3." and "2021. 3. 3.", with spaces) this
  form was seed-dependent, 9-80% over seeds 0-4, and the target was met on 2 of the 5:
  "a dot between numbers means day first" was all the data said (``docs/results.md``).
* ``{MON} {ord}, {Y}`` ("MAR 3rd, 2021"): "MAR" in "03 MAR 21"; name, ordinal in
  "march 3rd 2021"; comma before the year in "March 3, 2021".
"""

SRC_CHARS = " " + string.ascii_letters + string.digits + ",./-'"
SRC_INDEX = {ch: i + 1 for i, ch in enumerate(SRC_CHARS)}  # 0 is padding
TGT_TOKENS = ["<pad>", "<bos>", "<eos>", *string.digits, "-"]
TGT_INDEX = {t: i for i, t in enumerate(TGT_TOKENS)}
ISO_LEN = 10


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``seq2seq-dates``."""

    steps: Annotated[int, Min(1)] = 1200
    """Training steps."""
    batch_size: Annotated[int, Min(1)] = 64
    """Examples per step."""
    lr: Annotated[float, Min(0, exclusive=True)] = 3e-3
    """Adam learning rate, cosine-annealed to 1e-4."""
    attention: Literal["additive", "dot"] = "additive"
    """Bahdanau's additive score or Luong's (general) dot score."""
    hidden_size: Annotated[int, Min(1)] = 64
    """Encoder GRU size per direction."""
    decoder_hidden_size: Annotated[int, Min(1)] = 128
    """Decoder GRU size."""
    embedding_dim: Annotated[int, Min(1)] = 32
    """Character embedding size."""
    attention_size: Annotated[int, Min(1)] = 64
    """Additive scorer width."""
    n_test: Annotated[int, Min(1)] = 2000
    """Held-out test examples (unseen dates, training forms)."""
    n_per_form: Annotated[int, Min(1)] = 500
    """Test examples per held-out form."""
    eval_every: Annotated[int, Min(1)] = 100
    """Steps between logged evaluations (and checkpoints)."""

    def quick(self) -> Config:
        return replace(
            self,
            steps=40,
            batch_size=32,
            n_test=100,
            n_per_form=100,
            embedding_dim=16,
            hidden_size=16,
            decoder_hidden_size=32,
            attention_size=16,
            eval_every=10,
        )


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


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup import optim
    from groundup.nn import functional as F
    from groundup.optimization.gradient_utils import clip_grad_norm_
    from groundup.sequence.recurrent import Seq2Seq, Seq2SeqConfig

    steps, batch_size = cfg.steps, cfg.batch_size
    train_days, test_days = split_dates(ctx.rng(1))
    config = Seq2SeqConfig(
        src_vocab_size=len(SRC_CHARS) + 1,
        tgt_vocab_size=len(TGT_TOKENS),
        embedding_dim=cfg.embedding_dim,
        hidden_size=cfg.hidden_size,
        decoder_hidden_size=cfg.decoder_hidden_size,
        attention=cfg.attention,
        attention_size=cfg.attention_size,
    )
    model = Seq2Seq(config, generator=ctx.rng(0))
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=1e-4)
    data_rng, test_rng = ctx.rng(2), ctx.rng(3)
    test_inputs, test_outputs = make_examples(test_days, TEMPLATES, cfg.n_test, test_rng)
    loop = ctx.loop(
        steps,
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        every=cfg.eval_every,
        unit="step",
        state={"loss_avg": None, "cpu_seconds": 0.0},
        meta={"config": vars(config)},
    )
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for i in loop:
            step, cpu0 = i + 1, time.process_time()
            inputs, outputs = make_examples(train_days, TEMPLATES, batch_size, data_rng)
            src, tgt_in, tgt_out = encode(inputs, outputs)
            logits, _ = model(src, tgt_in)  # (B, 11, V)
            loss = F.cross_entropy(logits.reshape(-1, config.tgt_vocab_size), tgt_out.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            value = loop.check(loss)
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            avg = loop.state["loss_avg"]
            loop.state["loss_avg"] = avg = value if avg is None else 0.95 * avg + 0.05 * value
            if step % cfg.eval_every == 0 or step == steps:
                model.eval()
                sample = exact_match(model, test_inputs[:200], test_outputs[:200])
                model.train()
                ctx.log(step, loss=avg, test_exact_match_sample=sample)
                bar.advance(0, loss=avg, exact=sample)
            loop.state["cpu_seconds"] += time.process_time() - cpu0
            bar.advance(1)
    train_seconds, train_cpu = ctx.elapsed(), loop.state["cpu_seconds"]
    model.eval()
    test_accuracy = exact_match(model, test_inputs, test_outputs)
    # every held-out form, on unseen dates: per form, and pooled (the target)
    unseen = {}
    for template in HELD_OUT_TEMPLATES:
        inputs, outputs = make_examples(test_days, [template], cfg.n_per_form, test_rng)
        unseen[template] = exact_match(model, inputs, outputs)
    held_out_forms_accuracy = float(np.mean(list(unseen.values())))  # equal counts per form
    examples = ["3rd of March 2021", "2021/3/3", "March 3, 2021", "03.03.21", "Wed 3 Mar 2021"]
    plot_attention(ctx, model, "Wednesday, March 3rd, 2021")
    return {
        "held_out_forms_accuracy": held_out_forms_accuracy,
        "unseen_template_accuracy": unseen,
        "test_accuracy": test_accuracy,
        "examples": dict(zip(examples, translate(model, examples))),
        "steps": steps,
        "batch_size": batch_size,
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu, 1),
        "parameters": count_parameters(model),
        "n_train_days": len(train_days),
        "n_test_days": len(test_days),
    }


def _check(summary: dict[str, Any]) -> bool:
    """Both held-out sets at >= 95% exact match: unseen forms (pooled) and unseen dates."""
    return summary["held_out_forms_accuracy"] >= 0.95 and summary["test_accuracy"] >= 0.95


MILESTONE = Milestone(
    name="seq2seq-dates",
    title="Character seq2seq with additive attention: human-written dates -> ISO 8601",
    phase="Phase 6 (implementation curriculum), weeks 11-12",
    target=(
        "held_out_forms_accuracy >= 0.95 (exact match, greedy, the 5 forms never seen in"
        " training, pooled, on unseen dates) and test_accuracy >= 0.95 (unseen dates)"
    ),
    expected_time="~1.5-4 min wall, 75-115 s CPU (OPENBLAS_NUM_THREADS=1; see docs/results.md)",
    train=train,
    config=Config,
    check=_check,
    variants={"--set attention=dot": "Luong's (general) dot score instead of the additive one"},
)
