r"""Milestone ``unet-denoise``: a U-Net removes Gaussian noise from MNIST digits (Phase 5).

Each training image $x \in [0, 1]^{28 \times 28}$ is corrupted as $\tilde x = x + \sigma
\varepsilon$, $\varepsilon \sim \mathcal N(0, I)$ (a fresh draw every time it is seen), and
the U-Net $f$ is trained to give back the clean digit: $\min_f \mathbb E\,\lVert f(\tilde x)
- x \rVert^2$. The encoder sees the whole digit at low resolution (what stroke is this?),
the skip connections hand the decoder the fine detail, so the output is sharp.

The score is the peak signal-to-noise ratio on the test digits, for pixel values in
$[0, 1]$:

$$\mathrm{PSNR} = 10 \log_{10} \frac{1}{\frac{1}{n}\sum_i (\hat x_i - x_i)^2}\ \text{dB},$$

before (noisy input) and after (the U-Net's output); ``denoising.png`` shows noisy,
denoised and clean digits side by side. This is the network (and the loss, up to a
weighting) that diffusion models train at every noise level.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup import Tensor, no_grad
from groundup.milestones.base import Milestone, Min, RunConfig, RunContext
from groundup.milestones.training import count_parameters


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``unet-denoise``."""

    sigma: Annotated[float, Min(0)] = 0.5
    """Noise standard deviation, for pixels in [0, 1]."""
    epochs: Annotated[int, Min(1)] = 5
    """Passes over the training set."""
    base_channels: Annotated[int, Min(1)] = 16
    """U-Net channels at full resolution."""
    lr: Annotated[float, Min(0, exclusive=True)] = 2e-3
    """Adam learning rate."""
    batch_size: Annotated[int, Min(1)] = 32
    """Minibatch size."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all 4,000)."""
    test_size: Annotated[int | None, Min(1)] = None
    """Use the first N test digits (none: all 1,000)."""

    def quick(self) -> Config:
        return replace(self, epochs=1, base_channels=4, train_size=128, test_size=50)


def psnr(estimate: np.ndarray, clean: np.ndarray) -> float:
    r"""$10 \log_{10}(1/\mathrm{MSE})$ in dB, for images in $[0, 1]$."""
    mse = float(np.mean((estimate.astype(np.float64) - clean) ** 2))
    return 10.0 * np.log10(1.0 / mse)


def denoise(model: Any, noisy: np.ndarray, batch_size: int = 250) -> np.ndarray:
    """The model's output on ``noisy`` ``(N, 1, H, W)``, in eval mode, without gradients."""
    was_training = model.training
    model.eval()
    with no_grad():
        out = np.concatenate(
            [
                model(Tensor(noisy[i : i + batch_size])).data
                for i in range(0, len(noisy), batch_size)
            ]
        )
    model.train(was_training)
    return out


def _figure(noisy: np.ndarray, denoised: np.ndarray, clean: np.ndarray) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(clean)
    fig, axes = plt.subplots(3, n, figsize=(1.2 * n, 4))
    for row, (title, images) in enumerate(
        [("noisy", noisy), ("denoised", denoised), ("clean", clean)]
    ):
        for j in range(n):
            axes[row, j].imshow(np.clip(images[j, 0], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[row, j].axis("off")
        axes[row, 0].set_title(title, loc="left", fontsize=9)
    fig.tight_layout()
    return fig


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup import data, optim
    from groundup.architectures.unet import UNet
    from groundup.milestones.base import ConfigError

    sigma, batch_size = cfg.sigma, cfg.batch_size
    d = data.load("mnist-5k")
    X_train, X_test = (d[s][0].astype(np.float32)[:, None] / 255.0 for s in ("train", "test"))
    X_train, X_test = X_train[: cfg.train_size], X_test[: cfg.test_size]
    steps = len(X_train) // batch_size
    if steps == 0:
        raise ConfigError(f"--set batch_size={batch_size}: larger than the {len(X_train)} digits")

    model = UNet(1, 1, base_channels=cfg.base_channels, depth=2, generator=ctx.rng(0))
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    rng = ctx.rng(1)  # data order and noise
    # fixed test noise, so PSNR before/after compares the same inputs on every run
    noisy_test = X_test + sigma * ctx.rng(2).standard_normal(X_test.shape).astype(np.float32)
    loop = ctx.loop(cfg.epochs, model=model, optimizer=optimizer, unit="epoch")
    with ctx.progress(steps * loop.remaining, ctx.name) as bar:
        for epoch in loop:
            order, total = rng.permutation(len(X_train)), 0.0
            for step in range(steps):
                clean = X_train[order[step * batch_size : (step + 1) * batch_size]]
                noisy = clean + sigma * rng.standard_normal(clean.shape).astype(np.float32)
                # $L = \frac1n \lVert f(\tilde x) - x \rVert^2$
                loss = ((model(Tensor(noisy)) - Tensor(clean)) ** 2).mean()
                optimizer.zero_grad()
                loss.backward()
                total += loop.check(loss, where=f"epoch {epoch + 1}, batch {step + 1}")
                optimizer.step()
                bar.advance(1, epoch=epoch + 1, loss=total / (step + 1))
            psnr_after = psnr(denoise(model, noisy_test), X_test)
            ctx.log(epoch + 1, train_mse=total / steps, test_psnr=psnr_after)
    denoised = denoise(model, noisy_test)
    ctx.save_figure(_figure(noisy_test[:10], denoised[:10], X_test[:10]), "denoising.png")
    return {
        "sigma": sigma,
        "psnr_noisy_db": round(psnr(noisy_test, X_test), 2),
        "psnr_denoised_db": round(psnr(denoised, X_test), 2),
        "parameters": count_parameters(model),
        "epochs": cfg.epochs,
    }


def _check(summary: dict[str, Any]) -> bool:
    return summary["psnr_denoised_db"] >= summary["psnr_noisy_db"] + 10.0


MILESTONE = Milestone(
    name="unet-denoise",
    title="U-Net (depth 2, 16 base channels) removes Gaussian noise (sigma 0.5) from MNIST digits",
    phase="Phase 5 (implementation curriculum), week 10",
    target="PSNR of the denoised test digits >= PSNR of the noisy ones + 10 dB",
    expected_time="~15 min measured on 2 cores shared with other jobs (load 10-20): 6.0 -> 20.1 dB",
    train=train,
    config=Config,
    check=_check,
    variants={
        "--epochs 8": "~20 min (same machine): 20.2 dB",
        "--set sigma=1.0": "heavier noise: the same time, a harder target",
    },
)
