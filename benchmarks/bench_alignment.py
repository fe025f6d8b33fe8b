r"""Group ``alignment``: the LM-as-policy workloads of issue 19, groundup against PyTorch CPU.

Both on the ``gpt-shakespeare`` GPT (4 layers, 4 heads, width 128, context 64,
vocabulary 65, no biases, float32), the same weights on both sides:

* **sampling**: 64 completions of 48 tokens from 8-token prompts, temperature 1, with
  the key/value cache (``groundup.alignment.policy.sample``; PyTorch: the same cached
  loop over the same modules, ``torch.multinomial``);
* **GRPO update**: one rollout's update with $\mu = 2$ epochs × 2 minibatches of 32
  completions (completion log-probs, the clipped ``grpo`` loss, backward, gradient
  clipping, Adam), on fixed completions, old log-probs and advantages.
"""

from __future__ import annotations

import numpy as np

from benchmarks.bench_transformer import CONFIG, torch_gpt
from benchmarks.registry import Pair, workload

B, P, L = 64, 8, 48


def _models():
    import torch

    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    c = GPTConfig(**CONFIG)
    ours = GPT(c, generator=0)
    theirs = torch_gpt(c)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    return c, ours, theirs


def _torch_block(block, x, cache, n_head):
    """One decoder block on new positions ``x`` with a key/value cache (a list [k, v])."""
    import torch
    from torch.nn import functional as F

    Bx, T, C = x.shape
    q, k, v = block.attn.c_attn(block.ln_1(x)).split(C, dim=2)
    q, k, v = (t.view(Bx, T, n_head, -1).transpose(1, 2) for t in (q, k, v))
    if cache:
        k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
    cache[:] = [k, v]
    y = F.scaled_dot_product_attention(q, k, v, is_causal=T > 1)
    x = x + block.attn.c_proj(y.transpose(1, 2).reshape(Bx, T, C))
    return x + block.mlp.c_proj(F.gelu(block.mlp.c_fc(block.ln_2(x)), approximate="tanh"))


def torch_logits(model, idx, caches=None, past=0):
    """Logits of the PyTorch GPT for ``idx`` (B, T), continuing ``caches`` if given."""
    import torch

    tr = model.transformer
    x = tr.wte(idx) + tr.wpe(torch.arange(past, past + idx.shape[1]))
    for i, block in enumerate(tr.h):
        x = _torch_block(block, x, caches[i] if caches is not None else [], model.n_head)
    return model.lm_head(tr.ln_f(x))


def sampling_pair(batch: int = B, prompt: int = P, new: int = L) -> Pair:
    import torch

    from groundup.alignment.policy import sample

    c, ours, theirs = _models()
    theirs.n_head = c.n_head
    prompts = np.random.default_rng(0).integers(0, c.vocab_size, (batch, prompt))
    prompts_t = torch.tensor(prompts)
    gen = torch.Generator().manual_seed(0)

    def run_groundup():
        return sample(ours, prompts, new, temperature=1.0, generator=0).completions

    @torch.no_grad()
    def run_reference():
        caches = [[] for _ in theirs.transformer.h]
        x, out, past = prompts_t, [], 0
        for _ in range(new):
            logits = torch_logits(theirs, x, caches, past)[:, -1]
            past += x.shape[1]
            x = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)
            out.append(x)
        return torch.cat(out, 1).numpy()

    return run_groundup, run_reference


def grpo_update_pair(batch: int = B, prompt: int = P, new: int = L, lr: float = 1e-4) -> Pair:
    import torch

    from groundup.alignment.grpo import grpo_loss
    from groundup.alignment.policy import completion_logprobs
    from groundup.optimization.gradient_utils import clip_grad_norm_
    from groundup.optimization.optimizers.adam import Adam

    c, ours, theirs = _models()
    theirs.n_head = c.n_head
    rng = np.random.default_rng(0)
    q = rng.integers(0, c.vocab_size, (batch, prompt))
    o = rng.integers(0, c.vocab_size, (batch, new))
    mask = (np.arange(new)[None] < rng.integers(new // 2, new + 1, (batch, 1))).astype(np.float32)
    with torch.no_grad():
        x_t = torch.tensor(np.concatenate([q, o[:, :-1]], 1))
        old = torch.log_softmax(torch_logits(theirs, x_t)[:, prompt - 1 :], -1)
        old = old.gather(-1, torch.tensor(o)[..., None])[..., 0].numpy() - 0.05 * rng.random(
            (batch, new)
        )
    old = old.astype(np.float32)
    adv = rng.normal(size=batch).astype(np.float32)
    order = [np.arange(batch)[i::2] for i in range(2)]  # 2 minibatches, the same on both sides
    opt = Adam(ours.parameters(), lr=lr)
    opt_t = torch.optim.Adam(theirs.parameters(), lr=lr)
    q_t, o_t, m_t = torch.tensor(q), torch.tensor(o), torch.tensor(mask)
    old_t, adv_t = torch.tensor(old), torch.tensor(adv)

    def run_groundup():
        losses = []
        for _ in range(2):  # mu = 2
            for idx in order:
                logp, _, _ = completion_logprobs(ours, q[idx], o[idx])
                loss, _ = grpo_loss(logp, old[idx], adv[idx], mask[idx], loss_type="grpo")
                opt.zero_grad()
                loss.backward()
                clip_grad_norm_(ours.parameters(), 1.0)
                opt.step()
                losses.append(loss.item())
        return losses

    def run_reference():
        losses = []
        for _ in range(2):
            for idx in order:
                x = torch.cat([q_t[idx], o_t[idx][:, :-1]], 1)
                logp = torch.log_softmax(torch_logits(theirs, x)[:, prompt - 1 :], -1)
                logp = logp.gather(-1, o_t[idx][..., None])[..., 0]
                ratio = torch.exp(logp - old_t[idx])
                A = adv_t[idx][:, None]
                per_token = -torch.min(ratio * A, torch.clamp(ratio, 0.8, 1.2) * A)
                m = m_t[idx]
                loss = ((per_token * m).sum(-1) / m.sum(-1).clamp(min=1)).mean()
                opt_t.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
                opt_t.step()
                losses.append(loss.item())
        return losses

    return run_groundup, run_reference


@workload(
    group="alignment", name="KV-cached sampling, 64 completions x 48 tokens (4x128 GPT, prompt 8)"
)
def sampling() -> Pair:
    return sampling_pair()


@workload(
    group="alignment", name="GRPO update, mu=2 x 2 minibatches of 32 (64 x 48 tokens, 4x128 GPT)"
)
def grpo_update() -> Pair:
    return grpo_update_pair()
