"""PyTorch twins of the alignment losses, written from the papers and TRL's formulas.

They share no code with groundup: the tests feed the same float64 tensors to both and
compare values and gradients.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def t(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def k1(logp, ref):
    return logp - ref


def k2(logp, ref):
    return 0.5 * (ref - logp) ** 2


def k3(logp, ref):
    return torch.exp(ref - logp) - (ref - logp) - 1


def exact_kl(logits, ref_logits):
    p = F.log_softmax(logits, -1)
    q = F.log_softmax(ref_logits, -1)
    return F.kl_div(q, p, log_target=True, reduction="none").sum(-1)


def grpo(
    logp,
    old,
    adv,
    mask,
    loss_type="grpo",
    eps_low=0.2,
    eps_high=None,
    beta=0.0,
    ref=None,
    level="token",
    objective="clip",
    tau_pos=1.0,
    tau_neg=1.05,
    L_max=None,
    delta=None,
):
    eps_high = eps_low if eps_high is None else eps_high
    log_ratio = logp - old
    if level == "token":
        log_w = log_ratio
    else:
        seq = (log_ratio * mask).sum(-1, keepdim=True) / mask.sum(-1, keepdim=True).clamp(min=1)
        log_w = seq if level == "sequence" else seq.detach() + logp - logp.detach()
    r = torch.exp(log_w)
    A = adv[:, None]
    if objective == "clip":
        r1 = r if delta is None else torch.clamp(r, max=delta)
        loss = -torch.min(r1 * A, torch.clamp(r, 1 - eps_low, 1 + eps_high) * A)
    elif objective == "sapo":
        tau = torch.where(
            A > 0, torch.tensor(tau_pos, dtype=A.dtype), torch.tensor(tau_neg, dtype=A.dtype)
        )
        loss = -torch.sigmoid(tau * (r - 1)) * 4 / tau * A
    else:  # cispo
        loss = -torch.clamp(r, max=eps_high).detach() * A * logp
    loss = loss.expand_as(mask)
    if beta:
        loss = loss + beta * k3(logp, ref)
    if loss_type == "grpo":
        return ((loss * mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean()
    if loss_type in ("bnpo", "dapo"):
        return (loss * mask).sum() / mask.sum().clamp(min=1)
    L = mask.shape[1] if L_max is None else L_max
    return (loss * mask).sum() / (mask.shape[0] * L)


def dpo(pw, pl, rw, rl, beta=0.1, loss_type="sigmoid", label_smoothing=0.0):
    h = (pw - rw) - (pl - rl)
    if loss_type == "ipo":
        return ((h - 1 / (2 * beta)) ** 2).mean()
    return (
        -(1 - label_smoothing) * F.logsigmoid(beta * h) - label_smoothing * F.logsigmoid(-beta * h)
    ).mean()


def bradley_terry(r_w, r_l, margin=None, center=0.0):
    d = r_w - r_l if margin is None else r_w - r_l - margin
    loss = -F.logsigmoid(d).mean()
    return loss + center * ((r_w + r_l) ** 2).mean() if center else loss


def ppo_clip(logp, old, adv, mask, cliprange=0.2):
    ratio = torch.exp(logp - old)
    pg = torch.max(-adv * ratio, -adv * torch.clamp(ratio, 1 - cliprange, 1 + cliprange))
    return (pg * mask).sum() / mask.sum()


def ppo_value(v, v_old, ret, mask, cliprange_value=0.2):
    v_clip = torch.clamp(v, v_old - cliprange_value, v_old + cliprange_value)
    vf = torch.max((v - ret) ** 2, (v_clip - ret) ** 2)
    return 0.5 * (vf * mask).sum() / mask.sum()
