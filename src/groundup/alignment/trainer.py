r"""The on-policy loop shared by PPO-RLHF and the GRPO family (GRPO, Dr. GRPO, DAPO, GSPO, SAPO).

One step of every method is the same recipe; only the advantages and the loss differ:

1. **rollout** — repeat each prompt $G$ times and sample completions with the KV cache;
2. **score** — rule rewards or a reward model, plus DAPO's soft overlong punishment;
3. **advantages** — group-relative (GRPO family) or GAE over tokens with a critic and a
   KL-penalised per-token reward (PPO-RLHF);
4. **update** — $\mu$ epochs over the batch in minibatches, so that after the first
   minibatch the ratios differ from 1 and clipping, GSPO's sequence ratio and SAPO's
   gate really act (with $\mu = 1$ and one minibatch $r \equiv 1$ and all of them are GRPO);
5. **log** — reward, the exact KL to the reference beside $k_1, k_2, k_3$, entropy, clip
   fractions (low/high), ratio statistics, length and truncation, the fraction of
   zero-std groups, the gradient norm, and rollout/update time.

Each method is a preset of :class:`OnPolicyConfig` (:func:`preset`), with the
settings of its paper:

| method | what changes |
|---|---|
| ``grpo`` | ``loss_type="grpo"``, group std |
| ``dr_grpo`` | ``loss_type="dr_grpo"`` and ``scale_rewards="none"`` |
| ``dapo`` | $\varepsilon_\text{high} = 0.28$, ``dapo`` loss, overlong filtering and soft punishment, dynamic sampling |
| ``gspo`` | sequence ratio, $\varepsilon = 3\cdot10^{-4}/4\cdot10^{-4}$ |
| ``sapo`` | soft gate, $\tau_\text{pos} = 1$, $\tau_\text{neg} = 1.05$ |
| ``ppo`` | critic, GAE ($\gamma = 1$, $\lambda = 0.95$), $k_1$ KL in the reward ($\beta = 0.05$), value loss |

>>> import numpy as np
>>> from groundup.sequence.transformers.gpt import GPT, GPTConfig
>>> from groundup.alignment.policy import Policy
>>> gpt = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=8), generator=0)
>>> reward = lambda q, o, m: (o == 1).sum(1) / o.shape[1]   # more 1s is better
>>> trainer = OnPolicyTrainer(Policy(gpt), reward, preset("grpo", num_generations=4, max_new_tokens=3))
>>> sorted(trainer.step(np.array([[0], [2]])))[:4]
['clip_high', 'clip_low', 'entropy', 'frac_reward_zero_std']
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from groundup.alignment.dapo import (
    dynamic_sampling_mask,
    mask_truncated_completions,
    soft_overlong_punishment,
)
from groundup.alignment.grpo import group_advantages, grpo_loss
from groundup.alignment.kl import exact_kl, kl_estimators
from groundup.alignment.policy import Policy
from groundup.alignment.ppo_rlhf import (
    masked_whiten,
    per_token_rewards,
    ppo_clip_loss,
    ppo_value_loss,
    token_gae,
)
from groundup.alignment.reward_model import ScalarHeadModel
from groundup.foundations.autograd import no_grad
from groundup.optimization.gradient_utils.clipping import clip_grad_norm_
from groundup.optimization.optimizers.adam import Adam
from groundup.utils.seeding import make_rng

__all__ = ["METHODS", "OnPolicyConfig", "OnPolicyTrainer", "preset"]

RewardFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class OnPolicyConfig:
    """Settings of one on-policy method (see :func:`preset` for each paper's)."""

    method: str = "grpo"
    """``"ppo"`` (critic and GAE) or a GRPO-family name (group advantages)."""
    num_generations: int = 8
    """$G$, completions per prompt."""
    max_new_tokens: int = 16
    """$L_\\max$, the completion length limit."""
    temperature: float = 1.0
    """Sampling temperature (the log-probs are those of the tempered policy)."""
    top_k: int | None = None
    """Sample among the k most likely tokens (None: all)."""
    top_p: float | None = None
    """Nucleus sampling mass (None: off)."""
    stop_tokens: tuple[int, ...] = ()
    """A completion ends after one of these."""
    num_iterations: int = 2
    """$\\mu$, epochs over each rollout."""
    num_minibatches: int = 2
    """Minibatches per epoch (one optimizer step each)."""
    learning_rate: float = 1e-4
    """Adam's step size."""
    max_grad_norm: float = 1.0
    """Clip the global gradient norm to this."""
    beta: float = 0.0
    """GRPO family: weight of the $k_3$ KL to the reference in the loss."""
    loss_type: str = "grpo"
    """``grpo``, ``bnpo``, ``dr_grpo`` or ``dapo`` aggregation."""
    scale_rewards: str = "group"
    """``group``, ``batch`` or ``none`` (Dr. GRPO)."""
    epsilon_low: float = 0.2
    """Lower clip range."""
    epsilon_high: float = 0.2
    """Upper clip range (DAPO's clip-higher: 0.28)."""
    importance_sampling_level: str = "token"
    """``token``, ``sequence`` (GSPO) or ``sequence_token``."""
    objective: str = "clip"
    """``clip``, ``sapo`` or ``cispo``."""
    tau_pos: float = 1.0
    """SAPO's temperature for positive advantages."""
    tau_neg: float = 1.05
    """SAPO's temperature for negative advantages."""
    mask_truncated_completions: bool = False
    """DAPO's overlong filtering."""
    overlong_cache_length: int | None = None
    """DAPO's $L_\\text{cache}$ for the soft overlong punishment (None: off)."""
    dynamic_sampling: bool = False
    """DAPO: drop groups with equal rewards, resample (prompt callables only)."""
    max_sample_batches: int = 4
    """Dynamic sampling gives up after this many rollouts."""
    kl_coef: float = 0.05
    """PPO: $\\beta$ of the per-token KL penalty in the reward."""
    kl_estimator: str = "k1"
    """PPO: ``k1`` or ``k3`` in the reward."""
    gamma: float = 1.0
    """PPO: discount over tokens."""
    lam: float = 0.95
    """PPO: GAE $\\lambda$."""
    cliprange: float = 0.2
    """PPO: policy clip range."""
    cliprange_value: float = 0.2
    """PPO: value clip range."""
    vf_coef: float = 0.1
    """PPO: weight of the value loss."""
    seed: int = 0
    """Sampling and minibatch order."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form notes kept with the config."""


METHODS: dict[str, dict[str, Any]] = {
    "grpo": {"loss_type": "grpo", "scale_rewards": "group"},
    "dr_grpo": {"loss_type": "dr_grpo", "scale_rewards": "none"},
    "dapo": {
        "loss_type": "dapo",
        "epsilon_low": 0.2,
        "epsilon_high": 0.28,
        "mask_truncated_completions": True,
        "dynamic_sampling": True,
    },
    "gspo": {
        "loss_type": "grpo",
        "importance_sampling_level": "sequence",
        "epsilon_low": 3e-4,
        "epsilon_high": 4e-4,
    },
    "sapo": {"loss_type": "grpo", "objective": "sapo", "tau_pos": 1.0, "tau_neg": 1.05},
    "ppo": {"kl_coef": 0.05, "gamma": 1.0, "lam": 0.95, "cliprange": 0.2, "vf_coef": 0.1},
}


def preset(method: str, **overrides: Any) -> OnPolicyConfig:
    """The config of ``method`` (a key of :data:`METHODS`) with ``overrides`` on top."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return replace(OnPolicyConfig(method=method), **{**METHODS[method], **overrides})


class OnPolicyTrainer:
    """Rollout, score, advantages, $\\mu$ epochs of minibatch updates, and the logged statistics.

    Parameters
    ----------
    policy : Policy
        The model being trained and its reference (``reference=None``: no KL logged
        or used; then ``beta`` and PPO's ``kl_coef`` must be 0).
    reward_fn : callable
        ``reward_fn(prompts (B, P), completions (B, L), mask (B, L)) -> (B,)``.
    config : OnPolicyConfig
    value_model : ScalarHeadModel, optional
        PPO's critic (required for ``method="ppo"``).
    """

    def __init__(
        self,
        policy: Policy,
        reward_fn: RewardFn,
        config: OnPolicyConfig,
        value_model: ScalarHeadModel | None = None,
    ) -> None:
        c = config
        if c.method == "ppo" and value_model is None:
            raise ValueError("method='ppo' needs a value_model (a ScalarHeadModel critic)")
        if policy.reference is None and (c.beta or (c.method == "ppo" and c.kl_coef)):
            raise ValueError("a KL term (beta or kl_coef) needs a Policy with a reference")
        self.policy, self.reward_fn, self.config, self.value_model = (
            policy,
            reward_fn,
            c,
            value_model,
        )
        self.params = [p for p in policy.model.parameters() if p.requires_grad]
        if value_model is not None:
            self.params += [p for p in value_model.parameters() if p.requires_grad]
        self.optimizer = Adam(self.params, lr=c.learning_rate)
        self.rng = make_rng(c.seed)

    # ------------------------------------------------------------------ rollout and score
    def _rollout_once(self, prompts: np.ndarray) -> dict[str, np.ndarray]:
        c = self.config
        q = np.repeat(np.asarray(prompts, dtype=np.int64), c.num_generations, axis=0)  # (B, P)
        s = self.policy.sample(
            q,
            c.max_new_tokens,
            temperature=c.temperature,
            top_k=c.top_k,
            top_p=c.top_p,
            stop_tokens=c.stop_tokens,
            generator=self.rng,
        )
        rewards = np.asarray(self.reward_fn(q, s.completions, s.mask), dtype=np.float64)  # (B,)
        if rewards.shape != (len(q),):
            raise ValueError(f"reward_fn must return shape ({len(q)},), got {rewards.shape}")
        if c.overlong_cache_length is not None:
            rewards = rewards + soft_overlong_punishment(
                s.lengths, c.max_new_tokens, c.overlong_cache_length
            )
        return {
            "prompts": q,
            "completions": s.completions,
            "mask": s.mask,
            "lengths": s.lengths,
            "truncated": s.truncated,
            "rewards": rewards,
        }

    def rollout(
        self, prompts: np.ndarray | Callable[[np.random.Generator], np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Sample and score; with dynamic sampling keep only groups whose rewards differ."""
        c = self.config
        get = prompts if callable(prompts) else (lambda rng: prompts)
        batch = self._rollout_once(get(self.rng))
        batch["task_rewards"] = batch["rewards"]
        n_groups = len(batch["rewards"]) // c.num_generations
        if c.method != "ppo" and c.dynamic_sampling:
            keep = dynamic_sampling_mask(batch["rewards"], c.num_generations)
            kept = {k: v[keep] for k, v in batch.items()}
            tries = 1
            while (
                callable(prompts)
                and len(kept["rewards"]) < n_groups * c.num_generations
                and tries < c.max_sample_batches
            ):
                more = self._rollout_once(get(self.rng))
                more["task_rewards"] = more["rewards"]
                k2 = dynamic_sampling_mask(more["rewards"], c.num_generations)
                kept = {k: np.concatenate([kept[k], more[k][k2]]) for k in kept}
                tries += 1
            if len(kept["rewards"]):
                batch = {k: v[: n_groups * c.num_generations] for k, v in kept.items()}
            else:
                batch["mask"] = np.zeros_like(batch["mask"])  # nothing to learn from
        if c.mask_truncated_completions:
            batch["mask"] = mask_truncated_completions(batch["mask"], batch["truncated"])
        return batch

    # ------------------------------------------------------------------ advantages
    @no_grad()
    def _old_and_ref(self, b: dict[str, np.ndarray]) -> None:
        logp, entropy, z = self.policy.logprobs(b["prompts"], b["completions"])
        b["old_logprobs"], b["entropy"] = logp.data, entropy
        if self.policy.reference is not None:
            b["ref_logprobs"], ref_z = self.policy.ref_logprobs(b["prompts"], b["completions"])
            b["exact_kl"] = exact_kl(z, ref_z).data  # (B, L)
        if self.value_model is not None:
            P = b["prompts"].shape[1]
            x = np.concatenate([b["prompts"], b["completions"][:, :-1]], axis=1)
            b["old_values"] = self.value_model.values(x).data[:, P - 1 :]  # (B, L): V(s_t)

    def advantages(self, b: dict[str, np.ndarray]) -> None:
        """Fill ``b["advantages"]``: ``(B,)`` group-relative, or ``(B, L)`` whitened GAE (PPO)."""
        c = self.config
        if c.method == "ppo":
            if self.policy.reference is not None:
                r = per_token_rewards(
                    b["old_logprobs"],
                    b["ref_logprobs"],
                    b["rewards"],
                    b["mask"],
                    c.kl_coef,
                    c.kl_estimator,
                )
            else:
                r = per_token_rewards(
                    b["old_logprobs"], b["old_logprobs"], b["rewards"], b["mask"], 0.0
                )
            adv, b["returns"] = token_gae(r, b["old_values"], b["mask"], c.gamma, c.lam)
            b["advantages"] = masked_whiten(adv, b["mask"])
            b["zero_std"] = np.zeros(len(b["rewards"]), bool)
        else:
            b["advantages"], b["zero_std"] = group_advantages(
                b["rewards"], c.num_generations, c.scale_rewards
            )

    # ------------------------------------------------------------------ update
    def _minibatch_loss(
        self, b: dict[str, np.ndarray], idx: np.ndarray, n_tokens: float
    ) -> tuple[Any, dict[str, float]]:
        c = self.config
        q, o, m = b["prompts"][idx], b["completions"][idx], b["mask"][idx]
        logp, _, _ = self.policy.logprobs(q, o)
        if c.method == "ppo":
            loss, stats = ppo_clip_loss(
                logp, b["old_logprobs"][idx], b["advantages"][idx], m, c.cliprange
            )
            P = q.shape[1]
            values = self.value_model.values(np.concatenate([q, o[:, :-1]], axis=1))[:, P - 1 :]
            vf = ppo_value_loss(
                values, b["old_values"][idx], b["returns"][idx], m, c.cliprange_value
            )
            stats["value_loss"] = float(vf.item())
            # $L = L^\text{clip} + c_V L^V$
            return loss + c.vf_coef * vf, stats
        return grpo_loss(
            logp,
            b["old_logprobs"][idx],
            b["advantages"][idx],
            m,
            loss_type=c.loss_type,
            epsilon_low=c.epsilon_low,
            epsilon_high=c.epsilon_high,
            beta=c.beta,
            ref_logprobs=b["ref_logprobs"][idx] if c.beta else None,
            importance_sampling_level=c.importance_sampling_level,
            objective=c.objective,
            tau_pos=c.tau_pos,
            tau_neg=c.tau_neg,
            max_completion_length=c.max_new_tokens,
            num_items_in_batch=n_tokens,
        )

    def step(
        self, prompts: np.ndarray | Callable[[np.random.Generator], np.ndarray]
    ) -> dict[str, float]:
        """One rollout and its $\\mu$ epochs of updates; returns the logged statistics."""
        c = self.config
        t0 = time.perf_counter()
        b = self.rollout(prompts)
        self._old_and_ref(b)
        self.advantages(b)
        t1 = time.perf_counter()
        B = len(b["rewards"])
        n_mb = min(c.num_minibatches, B)
        updates: list[dict[str, float]] = []
        for _ in range(c.num_iterations):
            for idx in np.array_split(self.rng.permutation(B), n_mb):
                n_tokens = float(b["mask"][idx].sum())
                loss, stats = self._minibatch_loss(b, idx, n_tokens)
                self.optimizer.zero_grad()
                loss.backward()
                stats["grad_norm"] = float(clip_grad_norm_(self.params, c.max_grad_norm))
                stats["loss"] = float(loss.item())
                self.optimizer.step()
                updates.append(stats)
        t2 = time.perf_counter()
        return self._log(b, updates, t1 - t0, t2 - t1)

    def _log(
        self, b: dict[str, np.ndarray], updates: list[dict[str, float]], t_roll: float, t_upd: float
    ) -> dict[str, float]:
        m = b["mask"]
        n = max(m.sum(), 1.0)
        out = {k: float(np.mean([u[k] for u in updates if k in u])) for k in updates[0]}
        out.update(
            reward=float(b["task_rewards"].mean()),
            reward_std=float(b["task_rewards"].std()),
            entropy=float((b["entropy"] * m).sum() / n),
            length=float(b["lengths"].mean()),
            truncated=float(b["truncated"].mean()),
            frac_reward_zero_std=float(b["zero_std"].mean()),
            rollout_time=t_roll,
            update_time=t_upd,
        )
        if "exact_kl" in b:
            out["kl_exact"] = float((b["exact_kl"] * m).sum() / n)
            out.update(kl_estimators(b["old_logprobs"], b["ref_logprobs"], m))
        return out
