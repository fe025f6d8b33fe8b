r"""Milestone ``align-dpo``: DPO on synthetic preference pairs for $\beta \in \{0.03, 0.1, 0.3\}$.

The preference track of Gao et al. (2022) in miniature. The base character GPT (the
"SFT" policy here; no separate SFT stage) continues held-out passages; two completions
of each prompt are labelled by the hidden *gold* scorer
(:func:`groundup.alignment.tasks.gold.gold_preference`: Shakespearean positive minus
negative words, minus repetition, minus distance from 36 characters) with noisy
Bradley–Terry labels $P(y_1 \succ y_2) = \sigma((g_1 - g_2)/T)$. Then:

1. a **proxy reward model** (a scalar head on a copy of the base) is fitted to the pairs
   with the Bradley–Terry loss and validated on held-out pairs: its accuracy against the
   *noise ceiling* (the gold scorer's own accuracy on the noisy labels) and its rank
   correlation with gold on samples;
2. **DPO** from the base, once per $\beta$, on the same pairs. Reported on held-out
   prompts: gold and proxy scores of fresh samples, the exact KL per completion to the
   reference, and the implicit-reward accuracy on held-out pairs (how often
   $\beta\log\frac{\pi_\theta(y_w)}{\pi_\text{ref}(y_w)} > \beta\log\frac{\pi_\theta(y_l)}{\pi_\text{ref}(y_l)}$).

The gold scorer is imported here, by the experiment, and never by the reward model or the
policy (``tests/alignment/tasks/test_gold.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from groundup.milestones._align import BaseModelConfig, base_model, copy_model
from groundup.milestones.base import ConfigError, Milestone, Min, RunContext


@dataclass(frozen=True)
class Config(BaseModelConfig):
    """The ``--set`` options of ``align-dpo``."""

    pairs: Annotated[int, Min(2)] = 1000
    """Training preference pairs."""
    heldout_pairs: Annotated[int, Min(2)] = 200
    """Held-out pairs (validation of the reward model, implicit-reward accuracy)."""
    label_temperature: Annotated[float, Min(0, exclusive=True)] = 0.5
    """$T$ of the Bradley–Terry label noise."""
    prompt_length: Annotated[int, Min(1)] = 24
    """Characters of each prompt."""
    max_new_tokens: Annotated[int, Min(1)] = 36
    """Completion length limit (stops at a line break)."""
    rm_steps: Annotated[int, Min(1)] = 100
    """Reward-model steps (batch rm_batch pairs)."""
    rm_batch: Annotated[int, Min(1)] = 32
    """Pairs per reward-model step."""
    rm_lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam's step size for the reward model."""
    betas: Annotated[tuple[float, ...], Min(0, exclusive=True)] = (0.03, 0.1, 0.3)
    """DPO's $\\beta$ values, one run each from the base."""
    dpo_steps: Annotated[int, Min(1)] = 40
    """DPO steps per $\\beta$."""
    dpo_batch: Annotated[int, Min(1)] = 16
    """Pairs per DPO step."""
    dpo_lr: Annotated[float, Min(0, exclusive=True)] = 5e-4
    """Adam's step size for DPO."""
    eval_samples: Annotated[int, Min(1)] = 128
    """Held-out prompts sampled for gold, proxy and KL."""

    def quick(self) -> Config:
        return self.quick_base(
            pairs=24,
            heldout_pairs=12,
            prompt_length=12,
            max_new_tokens=12,
            rm_steps=3,
            rm_batch=8,
            dpo_steps=3,
            dpo_batch=8,
            eval_samples=8,
        )

    def resolve(self) -> Config:
        self.check_base()
        if self.base is None and self.prompt_length + self.max_new_tokens > self.block_size:
            raise ConfigError(
                f"prompt_length {self.prompt_length} + max_new_tokens {self.max_new_tokens} "
                f"exceeds block_size {self.block_size}"
            )
        return self


def _average_ranks(x: Any) -> np.ndarray:
    """0-based ranks, ties sharing the mean of their ranks (as ``scipy.stats.rankdata``, minus 1)."""
    _, inverse, counts = np.unique(np.asarray(x, float), return_inverse=True, return_counts=True)
    return (np.cumsum(counts) - (counts + 1) / 2)[inverse]


def rank_correlation(a: Any, b: Any) -> float:
    """Spearman's $\\rho$: the Pearson correlation of the (average) ranks; 0 if one side is constant."""
    ra, rb = _average_ranks(a), _average_ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def _seq_logps(model: Any, q: np.ndarray, o: np.ndarray, m: np.ndarray) -> Any:
    from groundup.alignment.policy import completion_logprobs

    # $\log\pi(y|x) = \sum_t m_t \log\pi(o_t|s_t)$
    return (completion_logprobs(model, q, o)[0] * m).sum(-1)  # (B,)


def _rm_scores(rm: Any, q: np.ndarray, o: np.ndarray, m: np.ndarray) -> Any:
    x = np.concatenate([q, o], axis=1)  # (B, P+L)
    att = np.concatenate([np.ones(q.shape), m], axis=1)
    return rm(x, att)  # (B,)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.alignment import Policy, ScalarHeadModel, bradley_terry_loss, dpo_loss
    from groundup.alignment.kl import exact_kl
    from groundup.alignment.tasks import bradley_terry_labels, decode_completions, lipogram_prompts
    from groundup.alignment.tasks.common import encode_prompts
    from groundup.alignment.tasks.gold import gold_preference
    from groundup.alignment.tasks.preferences import noise_ceiling, sample_pairs
    from groundup.foundations.autograd import no_grad
    from groundup.optimization.optimizers.adam import Adam

    base, tok, text, info = base_model(cfg, ctx.console)
    P, L = cfg.prompt_length, cfg.max_new_tokens
    if P + L > base.config.block_size:
        raise ConfigError("prompt_length + max_new_tokens exceeds the base's block_size")
    nl = tuple(tok.encode("\n"))
    data_rng = ctx.rng(1)
    base_policy = Policy(base, reference=None)

    def pairs(source: str, n: int) -> dict[str, np.ndarray]:
        q = encode_prompts(tok, lipogram_prompts(text[source], P, n, data_rng))
        (o1, m1), (o2, m2) = sample_pairs(base_policy, q, L, stop_tokens=nl, generator=data_rng)
        g1 = gold_preference(decode_completions(tok, o1, m1))
        g2 = gold_preference(decode_completions(tok, o2, m2))
        first, p = bradley_terry_labels(g1, g2, cfg.label_temperature, data_rng)
        pick = first[:, None]
        d = {
            "q": q,
            "ow": np.where(pick, o1, o2), "mw": np.where(pick, m1, m2),
            "ol": np.where(pick, o2, o1), "ml": np.where(pick, m2, m1),
            "gw": np.where(first, g1, g2), "gl": np.where(first, g2, g1), "p_first": p,
        }  # fmt: skip
        with no_grad():
            d["ref_w"] = _seq_logps(base, q, d["ow"], d["mw"]).data
            d["ref_l"] = _seq_logps(base, q, d["ol"], d["ml"]).data
        return d

    train_pairs, held_pairs = pairs("train", cfg.pairs), pairs("val", cfg.heldout_pairs)
    eval_q = encode_prompts(tok, lipogram_prompts(text["val"], P, cfg.eval_samples, data_rng))
    eval_seed = int(ctx.rng(2).integers(2**31))
    rm_rng = ctx.rng(3)
    dpo_rngs = [ctx.rng(10 + k) for k in range(len(cfg.betas))]
    rm = ScalarHeadModel(copy_model(base), generator=ctx.rng(4))

    def evaluate(policy: Policy) -> dict[str, float]:
        s = policy.sample(eval_q, L, stop_tokens=nl, generator=np.random.default_rng(eval_seed))
        gold = gold_preference(decode_completions(tok, s.completions, s.mask))
        with no_grad():
            proxy = _rm_scores(rm, eval_q, s.completions, s.mask).data
            kl = 0.0
            if policy.reference is not None:
                _, _, z = policy.logprobs(eval_q, s.completions)
                _, z_ref = policy.ref_logprobs(eval_q, s.completions)
                # exact per-token KL summed over the completion
                kl = float((exact_kl(z.data, z_ref).data * s.mask).sum(1).mean())
        return {"gold": float(gold.mean()), "proxy": float(proxy.mean()), "kl": kl}

    loop = ctx.loop(1 + len(cfg.betas), unit="stage", state={"results": "{}", "rm": {}})
    state = loop.state
    ctx.x_label = "step within each stage"
    for k in loop:
        results = json.loads(state["results"])
        if k == 0:  # the proxy reward model
            opt = Adam(list(rm.parameters()), lr=cfg.rm_lr)
            tp = train_pairs
            for step in range(cfg.rm_steps):
                idx = rm_rng.integers(0, cfg.pairs, size=cfg.rm_batch)
                rw = _rm_scores(rm, tp["q"][idx], tp["ow"][idx], tp["mw"][idx])
                rl = _rm_scores(rm, tp["q"][idx], tp["ol"][idx], tp["ml"][idx])
                loss, st = bradley_terry_loss(rw, rl, center_rewards_coefficient=0.01)
                opt.zero_grad()
                loss.backward()
                loop.check(loss)
                opt.step()
                ctx.log(
                    step + 1,
                    stage="reward_model",
                    rm_loss=float(loss.item()),
                    rm_accuracy=st["accuracy"],
                )
            hp = held_pairs
            with no_grad():
                rw = _rm_scores(rm, hp["q"], hp["ow"], hp["mw"]).data
                rl = _rm_scores(rm, hp["q"], hp["ol"], hp["ml"]).data
            results["reward_model"] = {
                "heldout_accuracy": float(((rw > rl) + 0.5 * (rw == rl)).mean()),
                "noise_ceiling_expected": noise_ceiling(hp["p_first"]),
                "noise_ceiling_observed": float(((hp["gw"] > hp["gl"]) + 0.5 * (hp["gw"] == hp["gl"])).mean()),
                "spearman_gold_sft_samples": rank_correlation(np.r_[rw, rl], np.r_[hp["gw"], hp["gl"]]),
            }  # fmt: skip
            state["rm"] = {n: v.data.copy() for n, v in rm.state_dict().items()}
            results["base"] = evaluate(Policy(base, reference=None))
        else:
            if state["rm"]:
                rm.load_state_dict(state["rm"])
            beta, rng = cfg.betas[k - 1], dpo_rngs[k - 1]
            policy = Policy(copy_model(base))
            opt = Adam([p for p in policy.model.parameters() if p.requires_grad], lr=cfg.dpo_lr)
            tp = train_pairs
            for step in range(cfg.dpo_steps):
                idx = rng.integers(0, cfg.pairs, size=cfg.dpo_batch)
                lw = _seq_logps(policy.model, tp["q"][idx], tp["ow"][idx], tp["mw"][idx])
                ll = _seq_logps(policy.model, tp["q"][idx], tp["ol"][idx], tp["ml"][idx])
                loss, st = dpo_loss(lw, ll, tp["ref_w"][idx], tp["ref_l"][idx], beta)
                opt.zero_grad()
                loss.backward()
                loop.check(loss)
                opt.step()
                ctx.log(step + 1, stage=f"dpo_beta_{beta}", dpo_loss=float(loss.item()),
                        margin=st["rewards/margins"], accuracy=st["rewards/accuracies"])  # fmt: skip
            hp = held_pairs
            with no_grad():
                hw = _seq_logps(policy.model, hp["q"], hp["ow"], hp["mw"]).data - hp["ref_w"]
                hl = _seq_logps(policy.model, hp["q"], hp["ol"], hp["ml"]).data - hp["ref_l"]
            results[f"dpo_beta_{beta}"] = {
                **evaluate(policy),
                "implicit_reward_accuracy": float((beta * hw > beta * hl).mean()),
            }
        state["results"] = json.dumps(results)
    results = json.loads(state["results"])
    _figure(ctx, results, cfg.betas)
    return {"base": info, **results}


def _figure(ctx: RunContext, results: dict[str, Any], betas: tuple[float, ...]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["base", *[f"dpo_beta_{b}" for b in betas]]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, key in zip(axes, ("gold", "proxy", "kl")):
        ax.bar(range(len(names)), [results[n][key] for n in names])
        ax.set_xticks(range(len(names)), ["base", *[f"β={b}" for b in betas]])
        ax.set_title(
            {"gold": "gold score", "proxy": "proxy RM score", "kl": "KL / completion"}[key]
        )
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("DPO on noisy gold-labelled pairs")
    fig.tight_layout()
    ctx.save_figure(fig, "dpo.png")


MILESTONE = Milestone(
    name="align-dpo",
    title="DPO, 3 betas, on gold-labelled noisy pairs",
    phase="Alignment course, lesson 4 (preference data, reward modelling); six-month syllabus, week 16",
    target="gold up for every beta",
    expected_time="~3 min",
    train=train,
    config=Config,
    check=lambda s: (
        s["reward_model"]["heldout_accuracy"] > 0.5
        and all(v["gold"] > s["base"]["gold"] for k, v in s.items() if k.startswith("dpo_beta"))
    ),
)
