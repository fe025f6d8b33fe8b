"""What the diffusion milestones share: the training loop with EMA, guided sampling, image grids.

:func:`train_denoiser` trains $\\varepsilon_\\theta$ with classifier-free guidance's loss
(labels dropped to $\\varnothing$ at ``p_uncond``), Adam with a cosine-decayed learning rate,
and keeps an exponential moving average of the weights (the network that samples). The loop
runs in chunks of ``log_every`` steps, one checkpoint and one ``metrics.jsonl`` row each.
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any

import numpy as np

from groundup.milestones.base import RunContext


def train_denoiser(
    ctx: RunContext,
    net: Any,
    X: np.ndarray,
    y: np.ndarray,
    schedule: Any,
    *,
    steps: int,
    log_every: int,
    batch_size: int,
    lr: float,
    p_uncond: float,
    ema_decay: float,
) -> tuple[Any, dict[str, float]]:
    """Train ``net(x_t, t, y)`` on ``(X, y)``; returns the EMA copy and ``{"final_loss", "ms_per_step"}``."""
    from groundup import optim
    from groundup.generative.diffusion.classifier_free_guidance import cfg_loss
    from groundup.nn import ModuleList

    ema = copy.deepcopy(net)
    optimizer = optim.Adam(net.parameters(), lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    data_rng, noise_rng = ctx.rng(1), ctx.rng(2)
    chunks = -(-steps // log_every)
    pair = ModuleList([net, ema])  # both saved in the checkpoint
    loop = ctx.loop(
        chunks,
        model=pair,
        optimizer=optimizer,
        scheduler=scheduler,
        unit="chunk",
        state={"seconds": 0.0, "loss": float("nan")},
    )
    ema_params = list(ema.parameters())
    with ctx.progress(min(steps, loop.remaining * log_every), ctx.name) as bar:
        for chunk in loop:
            n = min(log_every, steps - chunk * log_every)
            net.train()
            total, t0 = 0.0, time.perf_counter()
            for i in range(n):
                idx = data_rng.integers(0, len(X), batch_size)  # (B,)
                loss = cfg_loss(net, schedule, X[idx], y[idx], p_uncond, generator=noise_rng)
                optimizer.zero_grad()
                loss.backward()
                total += loop.check(loss, where=f"step {chunk * log_every + i + 1}")
                optimizer.step()
                scheduler.step()
                # $\bar\theta \leftarrow d\,\bar\theta + (1 - d)\,\theta$
                for p_ema, p in zip(ema_params, net.parameters(), strict=True):
                    p_ema.data *= ema_decay
                    p_ema.data += (1.0 - ema_decay) * p.data
                bar.advance(1, loss=total / (i + 1))
            loop.state["seconds"] = float(loop.state["seconds"]) + time.perf_counter() - t0
            loop.state["loss"] = total / n
            ctx.log(chunk * log_every + n, loss=total / n, lr=scheduler.get_last_lr()[0])
    ema.eval()
    return ema, {
        "final_loss": round(float(loop.state["loss"]), 4),
        "ms_per_step": round(1000 * float(loop.state["seconds"]) / steps, 2),
    }


def guided_samples(
    model: Any,
    schedule: Any,
    labels: np.ndarray,
    shape: tuple[int, ...],
    w: float,
    seed: Any,
    ddim_steps: int | None = None,
    batch: int = 500,
) -> np.ndarray:
    """Samples ``(N, *shape)`` for ``labels`` ``(N,)`` with guidance ``w``: ancestral, or DDIM (eta 0)."""
    from groundup.generative.diffusion.classifier_free_guidance import cfg_eps_fn
    from groundup.generative.diffusion.ddim import ddim_sample
    from groundup.generative.diffusion.ddpm import ddpm_sample

    rng = np.random.default_rng(seed)
    out = []
    for i in range(0, len(labels), batch):
        yb = labels[i : i + batch]
        eps_fn = cfg_eps_fn(model, yb, w)
        size = (len(yb), *shape)
        if ddim_steps is None:
            out.append(ddpm_sample(eps_fn, schedule, size, rng))
        else:
            out.append(ddim_sample(eps_fn, schedule, size, ddim_steps, 0.0, rng))
    return np.concatenate(out)


def save_image_grid(
    ctx: RunContext, images: np.ndarray, ncols: int, name: str, title: str, row_labels: Any = None
) -> None:
    """Square grey images ``(n, side, side)`` (or flat) in [0, 1] as one grid PNG, black on white."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.asarray(images)
    side = math.isqrt(x[0].size)
    x = x.reshape(-1, side, side)
    cell = side + 2
    nrows = -(-len(x) // ncols)
    canvas = np.ones((nrows * cell, ncols * cell), dtype=np.float32)
    for i, img in enumerate(x):
        r, c = divmod(i, ncols)
        canvas[r * cell + 1 : r * cell + 1 + side, c * cell + 1 : c * cell + 1 + side] = 1.0 - img
    fig, ax = plt.subplots(figsize=(ncols * 0.6 + 0.6, nrows * 0.6 + 0.6))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    if row_labels is not None:
        ax.set_yticks(np.arange(nrows) * cell + cell // 2, [str(v) for v in row_labels])
    else:
        ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    ctx.save_figure(fig, name)
