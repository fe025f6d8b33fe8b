r"""Group ``sequence``: the GPT of the ``gpt-shakespeare`` milestone, groundup against PyTorch CPU.

Workloads:

* one GPT training step at the milestone's configuration (4 layers, 4 heads, width 128,
  context 64, batch 12, vocabulary 65, no biases, tanh GELU, float32): forward, the
  next-token cross-entropy, backward, gradient clipping to norm 1 and an AdamW update;
  PyTorch runs the same architecture (written below, nanoGPT's layout) with the same
  weights, its fused ``scaled_dot_product_attention`` and ``AdamW``;
* generating 256 tokens (batch 1, greedy) with the key/value cache, against groundup
  itself without the cache (recomputing the whole context every step): the ratio is
  how much the cache saves.
"""

from __future__ import annotations

import numpy as np

from benchmarks.registry import Pair, workload

CONFIG = dict(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=128, bias=False)


def torch_gpt(c):
    """nanoGPT's GPT in PyTorch (no biases, tanh GELU), names matching groundup's."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            E = c.n_embd
            self.ln_1 = nn.LayerNorm(E, bias=c.bias)
            self.attn = nn.Module()
            self.attn.c_attn = nn.Linear(E, 3 * E, bias=c.bias)
            self.attn.c_proj = nn.Linear(E, E, bias=c.bias)
            self.ln_2 = nn.LayerNorm(E, bias=c.bias)
            self.mlp = nn.Module()
            self.mlp.c_fc = nn.Linear(E, 4 * E, bias=c.bias)
            self.mlp.c_proj = nn.Linear(4 * E, E, bias=c.bias)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, c.n_head, -1).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.attn.c_proj(y.transpose(1, 2).reshape(B, T, C))
            return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(
                {
                    "wte": nn.Embedding(c.vocab_size, c.n_embd),
                    "wpe": nn.Embedding(c.block_size, c.n_embd),
                    "h": nn.ModuleList([Block() for _ in range(c.n_layer)]),
                    "ln_f": nn.LayerNorm(c.n_embd, bias=c.bias),
                }
            )
            self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
            self.lm_head.weight = self.transformer.wte.weight

        def forward(self, idx, targets):
            tr = self.transformer
            x = tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1]))
            for block in tr.h:
                x = block(x)
            logits = self.lm_head(tr.ln_f(x))
            return F.cross_entropy(logits.flatten(0, 1), targets.flatten())

    return GPT()


@workload(
    group="sequence",
    name="GPT step (gpt-shakespeare config: 4x128, ctx 64, batch 12): fwd+bwd+clip+AdamW",
)
def gpt_step() -> Pair:
    import torch

    from groundup.optimization.gradient_utils import clip_grad_norm_
    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    c = GPTConfig(**CONFIG)
    ours = GPT(c, generator=0)
    theirs = torch_gpt(c)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    data = np.random.default_rng(0).integers(0, c.vocab_size, (12, 65))
    x, y = data[:, :-1], data[:, 1:]
    xt, yt = torch.tensor(x), torch.tensor(y)
    opt = ours.configure_optimizers(0.1, 1e-3, (0.9, 0.99))
    decay = [p for p in theirs.parameters() if p.dim() >= 2]
    no_decay = [p for p in theirs.parameters() if p.dim() < 2]
    opt_t = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )

    def run_groundup():
        _, loss = ours(x, y)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(ours.parameters(), 1.0)
        opt.step()
        return loss.item()

    def run_reference():
        loss = theirs(xt, yt)
        opt_t.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        opt_t.step()
        return loss.item()

    return run_groundup, run_reference


@workload(
    group="sequence",
    name="GPT generation, 256 tokens (4x128, ctx 320, batch 1, greedy): KV cache vs recompute",
    reference="groundup without cache",
)
def gpt_generate_cache() -> Pair:
    from groundup.sequence.transformers.gpt import GPT, GPTConfig

    model = GPT(GPTConfig(**{**CONFIG, "block_size": 320}), generator=0)
    prompt = np.zeros((1, 1), dtype=np.int64)

    def run_groundup():
        return model.generate(prompt, 256, temperature=0.0, use_cache=True)

    def run_reference():
        return model.generate(prompt, 256, temperature=0.0, use_cache=False)

    return run_groundup, run_reference
