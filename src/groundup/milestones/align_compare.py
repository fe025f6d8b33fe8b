r"""Milestone ``align-compare``: seven RL methods side by side on the lipogram task (lesson 8 in numbers).

PPO-RLHF, GRPO, Dr. GRPO, DAPO, GSPO, SAPO and TRPO each start from the *same* policy —
a small character GPT pretrained on the plays (or ``--set base=RUN_DIR``, a
``gpt-shakespeare`` run) — and train on the same prompts with the same optimiser (Adam,
one learning rate; TRPO has its trust region instead), the same group size, $\mu = 2$
epochs of 2 minibatches per rollout (so the ratios leave 1 and clipping, GSPO's sequence
ratio and SAPO's gate act), until each has sampled the same number of completion tokens.

The task (:mod:`groundup.alignment.tasks.lipogram`): continue a passage with one line of
at least three words and no letter ``e``; the reward is 1 or 0. Logged against sampled
tokens and wall time: the reward, the exact per-token KL to the reference
$\sum_v \pi(v)\log(\pi(v)/\pi_\text{ref}(v))$ (65–76 characters: exact, no estimator), the
entropy, the completion length and the clip fractions. Every ``eval_every`` steps the
pass rate on *held-out* prompts (from the validation text, one sample each, the same
generator for every method) and the KL per completion there.

Outputs: ``comparison.png`` (the five quantities against tokens and against seconds),
``frontier.png`` (held-out pass rate against KL) and the summary's table: final held-out
reward, held-out reward at a matched KL (the largest KL every method reached,
interpolated), and reward per CPU-second.

Deviations: DAPO's soft overlong punishment uses $L_\text{cache} = L_\max/4$; TRPO uses
the GRPO group advantage (no critic) and a KL bound per update of ``trpo_max_kl``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from groundup.milestones._align import BaseModelConfig, base_model, copy_model
from groundup.milestones.base import ConfigError, Milestone, Min, RunContext

METHOD_NAMES = ("ppo", "grpo", "dr_grpo", "dapo", "gspo", "sapo", "trpo")
CURVES = ("reward", "kl_exact", "entropy", "length", "clip")


@dataclass(frozen=True)
class Config(BaseModelConfig):
    """The ``--set`` options of ``align-compare``."""

    methods: tuple[str, ...] = METHOD_NAMES
    """Methods to compare, in order (ppo, grpo, dr_grpo, dapo, gspo, sapo, trpo)."""
    token_budget: Annotated[int, Min(1)] = 16_000
    """Completion tokens each method samples (rollouts, with DAPO's resampling)."""
    prompts_per_step: Annotated[int, Min(1)] = 4
    """Prompts per rollout."""
    num_generations: Annotated[int, Min(2)] = 8
    """$G$, completions per prompt."""
    prompt_length: Annotated[int, Min(1)] = 24
    """Characters of each prompt (ends with a line break)."""
    max_new_tokens: Annotated[int, Min(1)] = 40
    """$L_\\max$, the completion length limit."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's step size (all methods but TRPO)."""
    num_iterations: Annotated[int, Min(1)] = 2
    """$\\mu$, epochs over each rollout."""
    num_minibatches: Annotated[int, Min(1)] = 2
    """Minibatches (optimizer steps) per epoch."""
    trpo_max_kl: Annotated[float, Min(0, exclusive=True)] = 0.02
    """TRPO's bound on the mean per-token KL of one update."""
    eval_every: Annotated[int, Min(1)] = 4
    """Steps between held-out evaluations."""
    eval_prompts: Annotated[int, Min(1)] = 64
    """Held-out prompts (one sample each)."""

    def quick(self) -> Config:
        return self.quick_base(
            token_budget=150,
            prompts_per_step=2,
            num_generations=4,
            prompt_length=12,
            max_new_tokens=12,
            eval_every=2,
            eval_prompts=8,
        )

    def resolve(self) -> Config:
        bad = [m for m in self.methods if m not in METHOD_NAMES]
        if bad or not self.methods:
            raise ConfigError(
                f"--set methods: unknown {bad}; choose from {', '.join(METHOD_NAMES)}"
            )
        self.check_base()
        if self.base is None and self.prompt_length + self.max_new_tokens > self.block_size:
            raise ConfigError(
                f"prompt_length {self.prompt_length} + max_new_tokens {self.max_new_tokens} "
                f"exceeds block_size {self.block_size}"
            )
        return self


class CountedReward:
    """The lipogram reward over ids, counting the completion tokens it is shown (the budget)."""

    def __init__(self, tok: Any) -> None:
        from groundup.alignment.tasks import lipogram_reward, text_reward_fn

        self.fn = text_reward_fn(tok, lambda q, c: lipogram_reward(c))
        self.tokens = 0

    def __call__(self, q: np.ndarray, o: np.ndarray, m: np.ndarray) -> np.ndarray:
        self.tokens += int(np.asarray(m).sum())
        return self.fn(q, o, m)


def evaluate(
    policy: Any, tok: Any, prompts: np.ndarray, max_new: int, gen: Any
) -> tuple[float, float]:
    """Held-out pass rate and mean exact KL to the reference per completion (nats)."""
    from groundup.alignment.kl import exact_kl
    from groundup.alignment.tasks import decode_completions, lipogram_reward
    from groundup.foundations.autograd import no_grad

    nl = tuple(tok.encode("\n"))
    s = policy.sample(prompts, max_new, stop_tokens=nl, generator=gen)
    passed = lipogram_reward(decode_completions(tok, s.completions, s.mask))
    with no_grad():
        _, _, z = policy.logprobs(prompts, s.completions)
        _, z_ref = policy.ref_logprobs(prompts, s.completions)
    # $\mathrm{KL}(\pi\|\pi_\text{ref})$ of a completion: the exact per-token KLs summed
    kl = (exact_kl(z.data, z_ref).data * s.mask).sum(axis=1)  # (B,)
    return float(passed.mean()), float(kl.mean())


def trpo_update(trainer: Any, prompts: Any, config: Any) -> dict[str, float]:
    """One TRPO step on a rollout scored like GRPO's (group advantages), then the trainer's log."""
    from groundup.alignment.trpo import trpo_step
    from groundup.foundations.autograd import no_grad

    t0 = time.perf_counter()
    b = trainer.rollout(prompts)
    trainer._old_and_ref(b)
    trainer.advantages(b)
    t1 = time.perf_counter()
    q, o, m = b["prompts"], b["completions"], b["mask"]
    with no_grad():
        z_old = trainer.policy.logprobs(q, o)[2].data  # (B, L, V)
    stats = trpo_step(
        lambda: trainer.policy.logprobs(q, o)[::2],
        trainer.params,
        b["old_logprobs"],
        z_old,
        b["advantages"],
        m,
        config,
    )
    return trainer._log(b, [stats], t1 - t0, time.perf_counter() - t1)


def run_method(
    name: str,
    cfg: Config,
    base: Any,
    tok: Any,
    pool: np.ndarray,
    heldout: np.ndarray,
    seed: int,
    eval_seed: int,
    log: Any,
) -> dict[str, list[float]]:
    """Train a copy of ``base`` with method ``name`` until the token budget is spent; its history."""
    from groundup.alignment import OnPolicyTrainer, Policy, ScalarHeadModel, TRPOConfig, preset

    nl = tuple(tok.encode("\n"))
    reward = CountedReward(tok)
    common = dict(
        num_generations=cfg.num_generations,
        max_new_tokens=cfg.max_new_tokens,
        stop_tokens=nl,
        learning_rate=cfg.lr,
        num_iterations=cfg.num_iterations,
        num_minibatches=cfg.num_minibatches,
        seed=seed,
    )
    if name == "dapo":
        common["overlong_cache_length"] = max(1, cfg.max_new_tokens // 4)
    policy = Policy(copy_model(base))
    critic = ScalarHeadModel(copy_model(base), generator=seed) if name == "ppo" else None
    trainer = OnPolicyTrainer(
        policy, reward, preset("grpo" if name == "trpo" else name, **common), critic
    )
    trpo = TRPOConfig(max_kl=cfg.trpo_max_kl)
    P = cfg.prompts_per_step

    def prompts(rng: np.random.Generator) -> np.ndarray:
        return pool[rng.integers(0, len(pool), size=P)]

    hist: dict[str, list[float]] = {k: [] for k in ("tokens", "seconds", "cpu", *CURVES)}
    hist.update(eval_tokens=[], eval_seconds=[], eval_reward=[], eval_kl=[])
    t0, c0, step = time.perf_counter(), time.process_time(), 0
    while reward.tokens < cfg.token_budget:
        out = trpo_update(trainer, prompts, trpo) if name == "trpo" else trainer.step(prompts)
        step += 1
        clip = out.get("clipfrac", out.get("clip_low", 0.0) + out.get("clip_high", 0.0))
        row = {"reward": out["reward"], "kl_exact": out["kl_exact"], "entropy": out["entropy"],
               "length": out["length"], "clip": clip}  # fmt: skip
        for k, v in row.items():
            hist[k].append(float(v))
        seconds = time.perf_counter() - t0
        hist["tokens"].append(reward.tokens)
        hist["seconds"].append(seconds)
        hist["cpu"].append(time.process_time() - c0)
        extra = {}
        if step % cfg.eval_every == 0 or reward.tokens >= cfg.token_budget:
            r, kl = evaluate(
                policy, tok, heldout, cfg.max_new_tokens, np.random.default_rng(eval_seed)
            )
            hist["eval_tokens"].append(reward.tokens)
            hist["eval_seconds"].append(seconds)
            hist["eval_reward"].append(r)
            hist["eval_kl"].append(kl)
            extra = {"heldout_reward": r, "heldout_kl": kl}
        log(method=name, tokens=reward.tokens, seconds=round(seconds, 2), **row, **extra)
    return hist


def reward_at_kl(kls: list[float], rewards: list[float], kappa: float) -> float:
    """Held-out reward where the (running maximum of the) KL first reaches ``kappa``, interpolated."""
    x, y = np.asarray(kls, float), np.asarray(rewards, float)
    # keep the evaluations where the KL exceeds every earlier one (the first time each is reached)
    new_max = np.r_[True, x[1:] > np.maximum.accumulate(x)[:-1]]
    return float(np.interp(kappa, x[new_max], y[new_max]))


def _figures(ctx: RunContext, results: dict[str, Any], base_reward: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = {"reward": "train reward (pass rate)", "kl_exact": "exact KL to reference / token",
              "entropy": "entropy / token", "length": "completion length",
              "clip": "clip fraction (low + high)"}  # fmt: skip
    fig, axes = plt.subplots(2, len(CURVES), figsize=(4.0 * len(CURVES), 7.0))
    for name, h in results.items():
        for j, key in enumerate(CURVES):
            for i, x in enumerate(("tokens", "seconds")):
                axes[i, j].plot(h[x], h[key], label=name)
                axes[i, j].set_xlabel("sampled tokens" if x == "tokens" else "wall seconds")
                axes[i, j].set_title(titles[key])
                axes[i, j].grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Lipogram task: seven methods from one initial policy")
    fig.tight_layout()
    ctx.save_figure(fig, "comparison.png")
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for name, h in results.items():
        ax.plot([0.0, *h["eval_kl"]], [base_reward, *h["eval_reward"]], marker=".", label=name)
    ax.set_xlabel("KL(π‖π_ref) per held-out completion (nats)")
    ax.set_ylabel("held-out pass rate")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ctx.save_figure(fig, "frontier.png")


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.alignment import Policy
    from groundup.alignment.tasks import lipogram_prompts
    from groundup.alignment.tasks.common import encode_prompts

    base, tok, text, info = base_model(cfg, ctx.console)
    if cfg.base is not None and cfg.prompt_length + cfg.max_new_tokens > base.config.block_size:
        raise ConfigError(
            f"prompt_length + max_new_tokens exceeds the base's block_size {base.config.block_size}"
        )
    data_rng = ctx.rng(1)
    pool = encode_prompts(tok, lipogram_prompts(text["train"], cfg.prompt_length, 4000, data_rng))
    heldout = encode_prompts(
        tok, lipogram_prompts(text["val"], cfg.prompt_length, cfg.eval_prompts, data_rng)
    )
    seeds = [int(ctx.rng(10 + k).integers(2**31)) for k in range(len(cfg.methods))]
    eval_seed = int(ctx.rng(2).integers(2**31))
    base_reward, _ = evaluate(
        Policy(base), tok, heldout, cfg.max_new_tokens, np.random.default_rng(eval_seed)
    )
    loop = ctx.loop(len(cfg.methods), unit="method", state={"results": "{}", "rows": 0})
    state = loop.state
    ctx.x_label = "logged step (all methods in turn)"
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for k in loop:
            name = cfg.methods[k]

            def log(**metrics: Any) -> None:
                state["rows"] += 1
                ctx.log(state["rows"], **metrics)

            hist = run_method(name, cfg, base, tok, pool, heldout, seeds[k], eval_seed, log)
            results = json.loads(state["results"])
            results[name] = hist
            state["results"] = json.dumps(results)
            bar.advance(1, method=name, heldout=hist["eval_reward"][-1])
    results = json.loads(state["results"])
    _figures(ctx, results, base_reward)
    kappa = min(max(h["eval_kl"]) for h in results.values())
    methods = {}
    for name, h in results.items():
        final = h["eval_reward"][-1]
        methods[name] = {
            "heldout_reward": final,
            "heldout_kl": round(h["eval_kl"][-1], 4),
            "heldout_reward_at_matched_kl": round(reward_at_kl([0.0, *h["eval_kl"]], [base_reward, *h["eval_reward"]], kappa), 4),
            "train_reward_last": round(float(np.mean(h["reward"][-3:])), 4),
            "steps": len(h["reward"]),
            "tokens": h["tokens"][-1],
            "seconds": {
                "wall": round(h["seconds"][-1], 1),
                "cpu": round(h["cpu"][-1], 1),
                "heldout_gain_per_cpu_second": round((final - base_reward) / max(h["cpu"][-1], 1e-9), 5),
            },
        }  # fmt: skip
    return {
        "base": info,
        "vocab_size": tok.vocab_size,
        "heldout_reward_base": base_reward,
        "matched_kl": round(kappa, 4),
        "methods": methods,
        "min_heldout_reward": min(m["heldout_reward"] for m in methods.values()),
    }


MILESTONE = Milestone(
    name="align-compare",
    title="Seven RL methods on a lipogram task from one char GPT",
    phase="Alignment course, lesson 8; six-month syllabus, week 16",
    target="held-out pass rate >= 0.5, every method",
    expected_time="~5-25 min",
    train=train,
    config=Config,
    check=lambda s: s["min_heldout_reward"] >= 0.5,
)
