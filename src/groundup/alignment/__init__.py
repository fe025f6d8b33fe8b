"""LLM alignment on groundup's GPT: the LM as a policy, KL, LoRA, reward models and the losses.

One file per concept, at the names the course uses:

* ``policy`` — sampling with the KV cache, completion log-probs and entropies, the reference;
* ``kl`` — the exact per-token KL and Schulman's $k_1, k_2, k_3$;
* ``lora`` — low-rank adapters, merge/unmerge, ``merge_and_unload``, adapters off;
* ``reward_model``, ``rewards`` — a scalar head with the Bradley–Terry loss; rule rewards;
* ``ppo_rlhf``, ``grpo``, ``dapo``, ``gspo``, ``sapo``, ``dpo``, ``trpo`` — the losses;
* ``trainer`` — the on-policy loop shared by PPO-RLHF and the GRPO family.
"""

from groundup.alignment.dapo import (
    dynamic_sampling_mask,
    mask_truncated_completions,
    soft_overlong_punishment,
)
from groundup.alignment.dpo import dpo_loss
from groundup.alignment.grpo import aggregate_loss, clipped_token_loss, group_advantages, grpo_loss
from groundup.alignment.gspo import sequence_log_ratio
from groundup.alignment.kl import exact_kl, kl_estimators, kl_k1, kl_k2, kl_k3
from groundup.alignment.lora import (
    LoRALinear,
    apply_lora,
    disable_adapters,
    lora_parameters,
    merge_adapters,
    merge_and_unload,
    unmerge_adapters,
)
from groundup.alignment.policy import Policy, Samples, completion_logprobs, frozen_copy, sample
from groundup.alignment.ppo_rlhf import (
    masked_whiten,
    per_token_rewards,
    ppo_clip_loss,
    ppo_value_loss,
    token_gae,
)
from groundup.alignment.reward_model import ScalarHeadModel, bradley_terry_loss
from groundup.alignment.sapo import sapo_token_loss
from groundup.alignment.trainer import METHODS, OnPolicyConfig, OnPolicyTrainer, preset
from groundup.alignment.trpo import TRPOConfig, trpo_step

__all__ = [
    "METHODS",
    "LoRALinear",
    "OnPolicyConfig",
    "OnPolicyTrainer",
    "Policy",
    "Samples",
    "ScalarHeadModel",
    "TRPOConfig",
    "aggregate_loss",
    "apply_lora",
    "bradley_terry_loss",
    "clipped_token_loss",
    "completion_logprobs",
    "disable_adapters",
    "dpo_loss",
    "dynamic_sampling_mask",
    "exact_kl",
    "frozen_copy",
    "group_advantages",
    "grpo_loss",
    "kl_estimators",
    "kl_k1",
    "kl_k2",
    "kl_k3",
    "lora_parameters",
    "mask_truncated_completions",
    "masked_whiten",
    "merge_adapters",
    "merge_and_unload",
    "per_token_rewards",
    "ppo_clip_loss",
    "ppo_value_loss",
    "preset",
    "sample",
    "sapo_token_loss",
    "sequence_log_ratio",
    "soft_overlong_punishment",
    "token_gae",
    "trpo_step",
    "unmerge_adapters",
]
