r"""Milestone ``align-rev``: SFT then GRPO on ``rev:`` (reverse a word), exact match before and after.

A reasoning-style task with a verifiable reward (:mod:`groundup.alignment.tasks.rev`):
``rev:WORD;`` → the word reversed and a line break. The pretrained character GPT has never
seen the format, so its pass rate is 0 and GRPO would get no signal (every group's
rewards equal, every advantage 0). So first a short *SFT warm start* — the masked mean of
$-\log\pi_\theta$ over the answer tokens of (prompt, answer) pairs — stopped while the
held-out exact match is still low; then GRPO with the exact-match reward on the
training words. Reported: greedy exact match on held-out words (never trained on) for the
base, after SFT and after GRPO, as in verl's ``char_count`` recipe (SFT 0.435 → GRPO ~0.6).

Deviations: one Adam for both stages (its step size switches from ``sft_lr`` to
``rl_lr``; the moments carry over); no reference model (GRPO with $\beta = 0$, as
DAPO, Dr. GRPO and TRL's default).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from groundup.milestones._align import BaseModelConfig, base_model, copy_model
from groundup.milestones.base import ConfigError, Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(BaseModelConfig):
    """The ``--set`` options of ``align-rev``."""

    min_len: Annotated[int, Min(1)] = 3
    """Shortest word."""
    max_len: Annotated[int, Min(1)] = 5
    """Longest word."""
    sft_steps: Annotated[int, Min(0)] = 120
    """Supervised steps (the warm start)."""
    sft_batch: Annotated[int, Min(1)] = 32
    """Pairs per SFT step."""
    sft_lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's step size during SFT."""
    rl_steps: Annotated[int, Min(0)] = 40
    """GRPO steps."""
    prompts_per_step: Annotated[int, Min(1)] = 8
    """Prompts per GRPO rollout."""
    num_generations: Annotated[int, Min(2)] = 8
    """$G$, completions per prompt."""
    rl_lr: Annotated[float, Min(0, exclusive=True)] = 3e-4
    """Adam's step size during GRPO."""
    eval_every: Annotated[int, Min(1)] = 50
    """Steps between held-out evaluations."""
    eval_words: Annotated[int, Min(1)] = 200
    """Held-out words evaluated (greedy decoding)."""

    def quick(self) -> Config:
        return self.quick_base(
            sft_steps=6,
            sft_batch=8,
            rl_steps=4,
            prompts_per_step=2,
            num_generations=4,
            eval_every=3,
            eval_words=16,
        )

    def resolve(self) -> Config:
        if self.min_len > self.max_len:
            raise ConfigError(f"min_len={self.min_len} exceeds max_len={self.max_len}")
        self.check_base()
        if self.base is None and 2 * self.max_len + 7 > self.block_size:
            raise ConfigError(f"max_len={self.max_len} needs block_size >= {2 * self.max_len + 7}")
        return self


def exact_match(policy: Any, tok: Any, words: list[str], P: int, L: int) -> float:
    """Greedy exact match (top-1 sampling) on ``words``."""
    from groundup.alignment.tasks import decode_completions, rev_reward, reverse_prompt
    from groundup.alignment.tasks.common import encode_prompts

    q = encode_prompts(tok, [reverse_prompt(w, P) for w in words])
    s = policy.sample(q, L, top_k=1, stop_tokens=tuple(tok.encode("\n")), generator=0)
    got = decode_completions(tok, s.completions, s.mask)
    return float(rev_reward(got, [w[::-1] for w in words]).mean())


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.alignment import OnPolicyTrainer, Policy, preset
    from groundup.alignment.policy import completion_logprobs
    from groundup.alignment.tasks import (
        decode_completions,
        rev_examples,
        rev_reward,
        sft_batch,
        word_list,
    )
    from groundup.alignment.tasks.common import encode_prompts

    base, tok, text, info = base_model(cfg, ctx.console)
    P, L = len("rev:") + cfg.max_len + 1, cfg.max_len + 2
    if P + L > base.config.block_size:
        raise ConfigError(f"prompt {P} + answer {L} exceed the base's block_size")
    words = word_list(text["train"], cfg.min_len, cfg.max_len)
    heldout, train_words = words[::5][: cfg.eval_words], [w for i, w in enumerate(words) if i % 5]
    model = copy_model(base)
    policy = Policy(model, reference=None)

    def reward(q: np.ndarray, o: np.ndarray, m: np.ndarray) -> np.ndarray:
        asked = [tok.decode(row.tolist()).split("rev:")[1][:-1] for row in q]
        return rev_reward(decode_completions(tok, o, m), [w[::-1] for w in asked])

    oc = preset(
        "grpo",
        num_generations=cfg.num_generations,
        max_new_tokens=L,
        stop_tokens=tuple(tok.encode("\n")),
        learning_rate=cfg.rl_lr,
    )
    trainer = OnPolicyTrainer(policy, reward, oc)
    trainer.rng = ctx.rng(3)  # checkpointed with the run
    data_rng = ctx.rng(1)

    def rl_prompts(rng: np.random.Generator) -> np.ndarray:
        prompts, _ = rev_examples(train_words, cfg.prompts_per_step, P, rng)
        return encode_prompts(tok, prompts)

    before = exact_match(policy, tok, heldout, P, L)
    total = cfg.sft_steps + cfg.rl_steps
    loop = ctx.loop(
        total,
        model=model,
        optimizer=trainer.optimizer,
        every=max(1, cfg.eval_every),
        unit="step",
        state={
            "after_sft": before,
            "sft_seconds": 0.0,
            "rl_seconds": 0.0,
            # the model before alignment: `groundup sample RUN_DIR` prints both side by side
            "reference_model": {k: v.data.copy() for k, v in base.state_dict().items()},
        },
        meta={"config": model.config.to_dict(), "tokenizer": tok.to_dict(), "data": "shakespeare"},
    )
    state = loop.state
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for i in loop:
            t0 = time.perf_counter()
            row: dict[str, float] = {}
            if i < cfg.sft_steps:
                trainer.optimizer.param_groups[0]["lr"] = cfg.sft_lr
                prompts, answers = rev_examples(train_words, cfg.sft_batch, P, data_rng)
                q, o, m = sft_batch(tok, prompts, answers, L)
                logp, _, _ = completion_logprobs(model, q, o)
                # $\mathcal L_\text{SFT} = -\sum_t m_t\log\pi_\theta(o_t|s_t) / \sum_t m_t$
                loss = -(logp * m).sum() / float(m.sum())
                trainer.optimizer.zero_grad()
                loss.backward()
                row["sft_loss"] = loop.check(loss)
                trainer.optimizer.step()
                state["sft_seconds"] += time.perf_counter() - t0
            else:
                trainer.optimizer.param_groups[0]["lr"] = cfg.rl_lr
                out = trainer.step(rl_prompts)
                loop.check(out["loss"])
                row.update(reward=out["reward"], entropy=out["entropy"], length=out["length"])
                state["rl_seconds"] += time.perf_counter() - t0
            if i + 1 == cfg.sft_steps:
                state["after_sft"] = exact_match(policy, tok, heldout, P, L)
                row["heldout_exact"] = state["after_sft"]
            elif (i + 1) % cfg.eval_every == 0 or i + 1 == total:
                row["heldout_exact"] = exact_match(policy, tok, heldout, P, L)
            ctx.log(i + 1, **row)
            bar.advance(1, **row)
    after = exact_match(policy, tok, heldout, P, L)
    return {
        "base": info,
        "heldout_words": len(heldout),
        "exact_base": before,
        "exact_after_sft": state["after_sft"],
        "exact_after_grpo": after,
        "gain": round(after - state["after_sft"], 4),
        "train_seconds": {
            "sft": round(state["sft_seconds"], 1),
            "grpo": round(state["rl_seconds"], 1),
        },
    }


MILESTONE = Milestone(
    name="align-rev",
    title="SFT then GRPO to reverse words",
    phase="Alignment course, lesson 8 (verifiable rewards); six-month syllabus, week 16",
    target="exact match up after GRPO",
    expected_time="~1-3 min",
    train=train,
    config=Config,
    check=lambda s: s["exact_after_grpo"] > s["exact_after_sft"],
)
