"""Group ``nn``: training steps of MLPs built from ``groundup.nn`` and ``groundup.optim``.

Each workload is one full optimisation step — forward, cross-entropy, backward, optimiser
update — on the same initial weights and batch in groundup and in PyTorch CPU. The
models are the ones of the ``mlp-mnist`` milestone and of issue 4's benchmark list:

* 784-256-256-10 with ReLU, batch 128, Adam;
* the same with BatchNorm1d and Dropout(0.2) after each hidden layer (train mode).

Each callable returns the loss, so a test can check that both sides compute the same.
"""

from __future__ import annotations

import itertools

import numpy as np

from benchmarks.registry import Pair, workload
from groundup import Tensor


def _mlp_step(batchnorm: bool, dropout: float, batch: int = 128, seed: int = 0) -> Pair:
    import torch

    from groundup import nn, optim

    rng = np.random.default_rng(seed)
    sizes = [784, 256, 256, 10]
    X = rng.random((batch, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch)

    def layers(mod, hidden_extra):
        out = []
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            out.append(mod.Linear(a, b))
            if i < len(sizes) - 2:
                out += hidden_extra(mod, b)
        return mod.Sequential(*out)

    def extra(mod, width):
        block = [mod.BatchNorm1d(width)] if batchnorm else []
        block.append(mod.ReLU())
        if dropout:
            block.append(mod.Dropout(dropout))
        return block

    model = layers(nn, extra)
    model_t = layers(torch.nn, extra)
    model_t.load_state_dict({k: torch.tensor(v.data.copy()) for k, v in model.state_dict().items()})
    opt = optim.Adam(model.parameters(), lr=1e-3)
    opt_t = torch.optim.Adam(model_t.parameters(), lr=1e-3)
    Xg, yg = Tensor(X), Tensor(y)
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def run_groundup() -> float:
        loss = nn.functional.cross_entropy(model(Xg), yg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    def run_reference() -> float:
        loss = torch.nn.functional.cross_entropy(model_t(Xt), yt)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item()

    return run_groundup, run_reference


@workload(group="nn", name="MLP 784-256-256-10, batch 128, Adam: train step")
def mlp_adam_step() -> Pair:
    return _mlp_step(batchnorm=False, dropout=0.0)


@workload(group="nn", name="MLP + BatchNorm + Dropout(0.2), batch 128, Adam: train step")
def mlp_bn_dropout_step() -> Pair:
    return _mlp_step(batchnorm=True, dropout=0.2)
