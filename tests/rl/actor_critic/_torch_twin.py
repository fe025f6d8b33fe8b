"""A PyTorch twin of the actor-critic networks: the same weights, the same forward pass."""

from __future__ import annotations

import numpy as np
import torch


def torch_params(module) -> dict[str, torch.Tensor]:
    """Every parameter of a groundup module as a float64 leaf tensor that requires grad."""
    return {
        k: torch.tensor(np.asarray(v.data, np.float64), requires_grad=True)
        for k, v in module.state_dict().items()
    }


def mlp(params: dict[str, torch.Tensor], prefix: str, x: torch.Tensor) -> torch.Tensor:
    """``Linear -> ReLU -> ... -> Linear`` from the ``prefix.<i>.weight/bias`` entries."""
    idx = sorted({int(k[len(prefix) :].split(".")[0]) for k in params if k.startswith(prefix)})
    for j, i in enumerate(idx):
        x = x @ params[f"{prefix}{i}.weight"].T + params[f"{prefix}{i}.bias"]
        if j < len(idx) - 1:
            x = torch.relu(x)
    return x


def actor(params, obs, low, high):
    """$\\mu(s) = c\\tanh(f(s)) + b$."""
    low, high = torch.tensor(low, dtype=torch.float64), torch.tensor(high, dtype=torch.float64)
    return torch.tanh(mlp(params, "net.", obs)) * (high - low) / 2 + (high + low) / 2


def critic(params, prefix, obs, action):
    """$Q(s, a)$ on $[s; a]$, shape ``(B,)``."""
    return mlp(params, prefix + "net.", torch.cat([obs, action], dim=-1)).squeeze(-1)


def grads(module, params) -> dict[str, np.ndarray]:
    """groundup's gradients beside the twin's, keyed like ``state_dict``."""
    ours = dict(module.named_parameters())
    return {k: (ours[k].grad.numpy(), params[k].grad.numpy()) for k in params}
