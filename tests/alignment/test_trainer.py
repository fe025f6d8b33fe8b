"""The on-policy trainer: every method's update moves every trainable parameter; a masked batch none.

Tiny GPTs and a few tokens (TRL's smoke-test setting: a large learning rate so that any
non-zero gradient shows).
"""

from __future__ import annotations

import numpy as np
import pytest

from groundup.alignment.dpo import dpo_loss
from groundup.alignment.lora import apply_lora
from groundup.alignment.policy import Policy, completion_logprobs
from groundup.alignment.reward_model import ScalarHeadModel
from groundup.alignment.trainer import METHODS, OnPolicyTrainer, preset
from groundup.alignment.trpo import TRPOConfig, trpo_step
from groundup.optimization.optimizers.adam import Adam
from groundup.sequence.transformers.gpt import GPT, GPTConfig

CFG = GPTConfig(block_size=8, vocab_size=6, n_layer=1, n_head=2, n_embd=8)
PROMPTS = np.array([[1, 2], [3, 4]])


def gpt(seed=0):
    return GPT(CFG, generator=seed)


def reward(q, o, m):
    """Fraction of 1s among the generated tokens: varies within every group."""
    return ((o == 1) * m).sum(1) / np.maximum(m.sum(1), 1) + 0.01 * (o[:, 0] == 2)


def snapshot(modules):
    return [
        (n, p, p.data.copy())
        for mod in modules
        for n, p in mod.named_parameters()
        if p.requires_grad
    ]


def assert_all_changed(snap):
    unchanged = [n for n, p, before in snap if np.array_equal(before, p.data)]
    assert not unchanged, unchanged


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_changes_every_trainable_parameter(method):
    model = gpt()
    policy = Policy(model, reference="copy")
    critic = ScalarHeadModel(gpt(1), generator=0) if method == "ppo" else None
    beta = 0.04 if method == "grpo" else 0.0
    cfg = preset(
        method,
        num_generations=4,
        max_new_tokens=4,
        learning_rate=0.05,
        beta=beta,
        stop_tokens=(5,),
        mask_truncated_completions=False,
    )
    trainer = OnPolicyTrainer(policy, reward, cfg, value_model=critic)
    snap = snapshot([model] + ([critic] if critic else []))
    stats = trainer.step(PROMPTS)
    assert_all_changed(snap)
    for key in (
        "reward",
        "kl_exact",
        "kl_k1",
        "kl_k2",
        "kl_k3",
        "entropy",
        "grad_norm",
        "length",
        "frac_reward_zero_std",
        "rollout_time",
        "update_time",
    ):
        assert np.isfinite(stats[key]), key
    if method != "ppo":
        assert {"clip_low", "clip_high", "ratio_mean", "ratio_std"} <= set(stats)
        # mu = 2 epochs x 2 minibatches: the ratios moved off 1
        assert stats["ratio_std"] > 0
    # before any update the policy is the reference: the first step's KL is exactly 0
    assert stats["kl_exact"] == pytest.approx(0.0, abs=1e-12)
    stats2 = trainer.step(PROMPTS)
    assert stats2["kl_exact"] > 0 and stats2["kl_k3"] >= 0


@pytest.mark.parametrize("method", ["grpo", "dapo", "gspo", "sapo", "dr_grpo", "ppo"])
def test_a_fully_masked_batch_changes_no_parameter(method):
    """No stop token, every completion truncated and filtered: nothing to learn from."""
    model = gpt()
    critic = ScalarHeadModel(gpt(1), generator=0) if method == "ppo" else None
    cfg = preset(
        method,
        num_generations=4,
        max_new_tokens=3,
        learning_rate=0.05,
        mask_truncated_completions=True,
        beta=0.04 if method == "grpo" else 0.0,
    )
    trainer = OnPolicyTrainer(Policy(model), reward, cfg, value_model=critic)
    snap = snapshot([model] + ([critic] if critic else []))
    stats = trainer.step(PROMPTS)
    assert stats["truncated"] == 1.0 and stats["loss"] == 0.0
    unchanged = [np.array_equal(before, p.data) for _, p, before in snap]
    assert all(unchanged)


def test_lora_policy_with_lora_reference_moves_only_adapters():
    model = apply_lora(gpt(), r=2, generator=0)
    frozen = [(n, p.data.copy()) for n, p in model.named_parameters() if not p.requires_grad]
    trainer = OnPolicyTrainer(
        Policy(model, reference="lora"),
        reward,
        preset("grpo", num_generations=4, max_new_tokens=4, learning_rate=0.05, beta=0.04),
    )
    snap = snapshot([model])
    stats = trainer.step(PROMPTS)
    assert_all_changed(snap)
    params = dict(model.named_parameters())
    assert all(np.array_equal(before, params[n].data) for n, before in frozen)
    assert stats["kl_exact"] == pytest.approx(0.0, abs=1e-12)  # B = 0 at the first rollout


def test_dynamic_sampling_drops_equal_reward_groups_and_refills_from_a_prompt_source():
    model = gpt()
    calls = []

    def prompts(rng):
        calls.append(1)
        return np.array([[1, 2], [3, 4]])

    def reward_first_prompt_only(q, o, m):
        return np.where(q[:, 0] == 1, (o[:, 0] == 1) * 1.0 + 0.1 * o[:, 1], 0.0)

    cfg = preset("dapo", num_generations=4, max_new_tokens=3, mask_truncated_completions=False)
    trainer = OnPolicyTrainer(Policy(model), reward_first_prompt_only, cfg)
    batch = trainer.rollout(prompts)
    assert len(calls) == 2  # one group of two was dropped: a second rollout refilled it
    assert (batch["prompts"][:, 0] == 1).all() and len(batch["rewards"]) == 8


def test_dpo_and_trpo_updates_change_every_parameter():
    model, ref = gpt(), gpt()
    chosen, rejected = np.array([[1, 1, 5], [2, 1, 5]]), np.array([[3, 4, 0], [0, 0, 0]])
    q = np.array([[1, 2], [3, 4]])
    opt = Adam(model.parameters(), lr=0.05)
    snap = snapshot([model])
    lw = completion_logprobs(model, q, chosen)[0].sum(-1)
    ll = completion_logprobs(model, q, rejected)[0].sum(-1)
    rw = completion_logprobs(ref, q, chosen)[0].data.sum(-1)
    rl = completion_logprobs(ref, q, rejected)[0].data.sum(-1)
    loss, stats = dpo_loss(lw, ll, rw, rl, beta=0.1)
    assert loss.item() == pytest.approx(np.log(2), abs=1e-6)  # identical init: policy = reference
    loss.backward()
    opt.step()
    assert_all_changed(snap)

    model = gpt()
    logp, _, z = completion_logprobs(model, q, chosen)
    snap = snapshot([model])
    stats = trpo_step(
        lambda: completion_logprobs(model, q, chosen)[::2],
        list(model.parameters()),
        logp.data.copy(),
        z.data.copy(),
        np.array([1.0, -1.0]),
        np.ones((2, 3)),
        TRPOConfig(max_kl=0.05),
    )
    assert stats["step_fraction"] > 0
    # wpe rows of positions 5.. are never read; every parameter tensor still moves
    assert_all_changed(snap)


def test_config_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        preset("reinforce")
    with pytest.raises(ValueError, match="needs a value_model"):
        OnPolicyTrainer(Policy(gpt()), reward, preset("ppo"))
    with pytest.raises(ValueError, match="needs a Policy with a reference"):
        OnPolicyTrainer(Policy(gpt(), reference=None), reward, preset("grpo", beta=0.1))
