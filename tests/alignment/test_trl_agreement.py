"""The same tensors through TRL's own loss code: ``GRPOTrainer._compute_loss`` and ``DPOTrainer._compute_loss``.

TRL computes its losses inside trainer methods that first run the model. The tests call
those methods unbound, with a stand-in ``self`` holding the trainer's settings and a
stand-in model whose per-token log-probs are the test's tensor, so every line of TRL's
loss arithmetic runs as in training. Values and gradients must match groundup's.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from trl.trainer.dpo_trainer import DPOTrainer
from trl.trainer.grpo_trainer import GRPOTrainer

from groundup import Tensor
from groundup.alignment.dpo import dpo_loss
from groundup.alignment.grpo import grpo_loss
from tests.helpers import assert_close


class _Accelerator:
    num_processes = 1
    device = torch.device("cpu")

    def gather(self, x):
        return x

    gather_for_metrics = gather

    def reduce(self, x, reduction="sum"):
        return x


def _trl_grpo(logp, old, adv, mask, ref, loss_type, level, beta, eps_low, eps_high, L_max):
    B, L = logp.shape
    fake = SimpleNamespace(
        aux_loss_enabled=False,
        top_entropy_quantile=1.0,
        off_policy_mask_threshold=None,
        importance_sampling_level=level,
        beta=beta,
        loss_type=loss_type,
        epsilon_low=eps_low,
        epsilon_high=eps_high,
        use_vllm=False,
        vllm_importance_sampling_correction=False,
        model=SimpleNamespace(training=True),
        current_gradient_accumulation_steps=1,
        max_completion_length=L_max,
        accelerator=_Accelerator(),
        _entropy_bonus_enabled=False,
        _metrics={"train": defaultdict(list)},
        args=SimpleNamespace(
            use_bias_correction_kl=False,
            delta=None,
            sapo_temperature_pos=1.0,
            sapo_temperature_neg=1.05,
            steps_per_generation=1,
        ),
    )
    fake._get_per_token_logps_and_entropies = lambda *a, **k: (logp, torch.zeros(B, L), None)
    inputs = {
        "prompt_ids": torch.zeros(B, 1, dtype=torch.long),
        "prompt_mask": torch.ones(B, 1),
        "completion_ids": torch.zeros(B, L, dtype=torch.long),
        "completion_mask": mask,
        "advantages": adv,
        "old_per_token_logps": old,
        "ref_per_token_logps": ref,
        "num_items_in_batch": mask.sum(),
    }
    return GRPOTrainer._compute_loss(fake, None, inputs), fake._metrics["train"]


@pytest.mark.parametrize(
    ("loss_type", "level", "beta"),
    [
        ("grpo", "token", 0.0),
        ("grpo", "token", 0.04),
        ("bnpo", "token", 0.0),
        ("dr_grpo", "token", 0.04),
        ("dapo", "token", 0.0),
        ("grpo", "sequence", 0.0),
        ("dapo", "sequence", 0.04),
        ("sapo", "token", 0.0),
        ("cispo", "token", 0.0),
    ],
)
def test_grpo_family_equals_trl(loss_type, level, beta):
    rng = np.random.default_rng(0)
    B, L, L_max = 4, 6, 8
    old = -rng.random((B, L)) * 2 - 0.1
    logp0 = old + rng.normal(size=(B, L)) * 0.3  # ratios well off 1: both clips bind
    ref = old + rng.normal(size=(B, L)) * 0.3
    adv = rng.normal(size=B)
    mask = np.ones((B, L))
    mask[1, 4:] = 0
    mask[3, 1:] = 0
    eps_low, eps_high = (0.2, 5.0) if loss_type == "cispo" else (0.2, 0.28)
    objective = {"sapo": "sapo", "cispo": "cispo"}.get(loss_type, "clip")
    aggregation = {"sapo": "grpo", "cispo": "dapo"}.get(loss_type, loss_type)

    x = Tensor(logp0.copy(), requires_grad=True)
    ours, stats = grpo_loss(
        x,
        old,
        adv,
        mask,
        loss_type=aggregation,
        epsilon_low=eps_low,
        epsilon_high=eps_high,
        beta=beta,
        ref_logprobs=ref,
        importance_sampling_level=level,
        objective=objective,
        max_completion_length=L_max,
    )
    ours.backward()
    lt = torch.tensor(logp0, requires_grad=True)
    theirs, metrics = _trl_grpo(
        lt,
        torch.tensor(old),
        torch.tensor(adv),
        torch.tensor(mask),
        torch.tensor(ref),
        loss_type,
        level,
        beta,
        eps_low,
        eps_high,
        L_max,
    )
    theirs.backward()
    assert_close(ours.item(), theirs.item())
    assert_close(x.grad, lt.grad)
    if objective == "clip":
        assert stats["clip_low"] == pytest.approx(metrics["clip_ratio/low_mean"][0])
        assert stats["clip_high"] == pytest.approx(metrics["clip_ratio/high_mean"][0])
        assert stats["clip_low"] + stats["clip_high"] > 0 or level == "sequence"
    if beta:
        assert stats["kl_k3"] == pytest.approx(metrics["kl"][0])


def _trl_dpo(per_token, ref_chosen, ref_rejected, completion_mask, beta, loss_type):
    n2, T = per_token.shape
    outputs = SimpleNamespace(
        log_probs=per_token,
        entropy=torch.zeros(n2, T),
        mean_logits=torch.zeros(n2, T),
        is_top1=torch.zeros(n2, T, dtype=torch.bool),
    )
    fake = SimpleNamespace(
        model=SimpleNamespace(training=False),
        accelerator=_Accelerator(),
        aux_loss_enabled=False,
        ld_alpha=None,
        precompute_ref_logps=True,
        f_divergence_type="reverse_kl",
        beta=beta,
        loss_types=[loss_type],
        loss_weights=[1.0],
        use_weighting=False,
        label_smoothing=0.0,
        _metrics={"eval": defaultdict(list)},
        _total_train_tokens=0,
        _tp_size=1,
    )
    inputs = {
        "input_ids": torch.zeros(n2, T + 1, dtype=torch.long),
        "attention_mask": torch.ones(n2, T + 1),
        "completion_mask": completion_mask,
        "ref_chosen_logps": ref_chosen,
        "ref_rejected_logps": ref_rejected,
    }
    model = lambda **kw: outputs  # noqa: E731
    return DPOTrainer._compute_loss(fake, model, inputs, return_outputs=False), fake._metrics[
        "eval"
    ]


@pytest.mark.parametrize("loss_type", ["sigmoid", "ipo"])
def test_dpo_equals_trl(loss_type):
    rng = np.random.default_rng(1)
    B, T, beta = 3, 5, 0.1
    per_token = -rng.random((2 * B, T)) * 3  # rows: B chosen, then B rejected
    cmask = np.ones((2 * B, T + 1))  # TRL shifts it by one
    cmask[:, 0] = 0
    ref_w, ref_l = -rng.random(B) * 15, -rng.random(B) * 15
    pt = torch.tensor(per_token, requires_grad=True)
    theirs = _trl_dpo(
        pt, torch.tensor(ref_w), torch.tensor(ref_l), torch.tensor(cmask), beta, loss_type
    )
    if isinstance(theirs, tuple):
        theirs, metrics = theirs
    theirs.backward()
    x = Tensor(per_token.copy(), requires_grad=True)
    seq = x.sum(-1)  # (2B,), log pi(y|x) as sums over completion tokens
    # TRL's IPO averages over the T + 1 - 1 completion tokens; the caller of dpo_loss chooses
    scale = 1.0 / T if loss_type == "ipo" else 1.0
    ours, stats = dpo_loss(
        seq[:B] * scale, seq[B:] * scale, ref_w * scale, ref_l * scale, beta, loss_type
    )
    ours.backward()
    assert_close(ours.item(), theirs.item())
    assert_close(x.grad, pt.grad)
    if loss_type == "sigmoid":
        for key in ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"):
            assert stats[key] == pytest.approx(metrics[key][0])
