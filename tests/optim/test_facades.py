"""The PyTorch-style names, and one training loop using all the pieces, against torch."""

from __future__ import annotations

import numpy as np
import torch

import groundup.nn.functional as F
from groundup import Tensor, nn, optim
from groundup.optimization import gradient_utils, losses, optimizers, schedulers
from tests.helpers import assert_close


def test_facades_re_export_the_curriculum_layout() -> None:
    assert nn.CrossEntropyLoss is losses.CrossEntropyLoss
    assert nn.BCEWithLogitsLoss is losses.BCEWithLogitsLoss
    assert F.cross_entropy is losses.cross_entropy
    assert F.kl_div is losses.kl_div
    assert nn.utils.clip_grad_norm_ is gradient_utils.clip_grad_norm_
    assert optim.AdamW is optimizers.AdamW
    assert optim.lr_scheduler.CosineAnnealingLR is schedulers.CosineAnnealingLR
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Optimizer"]:
        assert hasattr(torch.optim, name) and hasattr(optim, name)
    for name in ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]:
        assert getattr(optim.lr_scheduler, name).__name__ == name


def test_training_loop_with_module_loss_scheduler_and_clipping_matches_torch() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 5))
    y = rng.integers(0, 3, 16)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    ).double()
    with torch.no_grad():
        for p, tp in zip(model.parameters(), tmodel.parameters()):
            tp.copy_(torch.tensor(p.data))
    w = np.array([1.0, 2.0, 0.5])

    def setup(nn_, optim_, params):
        opt = optim_.AdamW(params, lr=0.05, weight_decay=0.1)
        return opt, optim_.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)

    opt, sched = setup(nn, optim, model.parameters())
    topt, tsched = setup(torch.nn, torch.optim, tmodel.parameters())
    loss_fn = nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)
    tloss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1)
    losses_seen = []
    for step in range(12):
        opt.zero_grad()
        loss = loss_fn(model(Tensor(X)), y)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        sched.step()

        topt.zero_grad()
        tloss = tloss_fn(tmodel(torch.tensor(X)), torch.tensor(y))
        tloss.backward()
        tnorm = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), 0.5)
        topt.step()
        tsched.step()

        assert_close(loss, tloss, msg=f"loss at step {step}")
        losses_seen.append(loss.item())
        assert_close(norm, tnorm, msg=f"gradient norm at step {step}")
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        assert_close(p, tp)
    assert losses_seen[-1] < 0.8 * losses_seen[0]  # it trained
