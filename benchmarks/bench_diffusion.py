r"""Group ``diffusion``: the denoisers of the diffusion milestones, groundup against PyTorch CPU.

* **U-Net training step** (``ddpm-mnist``'s :class:`~groundup.generative.diffusion.unet.DiffusionUNet`:
  16-32-32 channels at 28², 14², 7², GroupNorm, time embedding, CFG label table), batch 64:
  $\lVert\varepsilon - \varepsilon_\theta(x_t, t, y)\rVert^2$, backward, Adam.
* **U-Net sampling step**, batch 64: one guided ancestral step, a no-grad forward pass on the
  128 images of the conditional and unconditional halves, $\tilde\varepsilon = (1 + w)\varepsilon_c
  - w\varepsilon_\varnothing$, and $x_{t-1} = \mu_\theta + \sigma_t z$.
* **MLP denoiser training step** (``ddpm-digits``: 64 → 256, 3 residual SiLU blocks, label
  table), batch 128.

The torch side is a functional twin of the same network (:func:`torch_unet`), on tensors
holding the groundup weights; both sides see the same $x_t$, $t$, $y$, $\varepsilon$ and $z$.
Each callable returns its loss (or sample) and one gradient, so
``tests/benchmarks/test_bench_diffusion.py`` can check that the two compute the same steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.registry import Pair, workload

BASE, BATCH, T = 16, 64, 1000


def torch_params(net: Any) -> dict[str, Any]:
    """The groundup module's parameters as leaf torch tensors with gradients, by name."""
    import torch

    return {
        k: torch.tensor(np.array(v.data), requires_grad=True) for k, v in net.named_parameters()
    }


def torch_unet(p: dict[str, Any], x: Any, t: np.ndarray, y: np.ndarray, net: Any) -> Any:
    """``DiffusionUNet.forward`` written with ``torch.nn.functional`` on the parameters ``p``."""
    import torch
    import torch.nn.functional as F

    from groundup.generative.diffusion.ddpm import timestep_embedding

    def lin(name: str, h: Any) -> Any:
        return F.linear(h, p[f"{name}.weight"], p[f"{name}.bias"])

    def conv(name: str, h: Any, stride: int = 1) -> Any:
        k = p[f"{name}.weight"].shape[-1]
        return F.conv2d(h, p[f"{name}.weight"], p[f"{name}.bias"], stride=stride, padding=k // 2)

    def gn(name: str, h: Any) -> Any:
        groups = dict(net.named_modules())[name].num_groups
        return F.group_norm(h, groups, p[f"{name}.weight"], p[f"{name}.bias"], 1e-5)

    def block(name: str, h: Any, e: Any) -> Any:
        out = conv(f"{name}.conv1", F.silu(gn(f"{name}.norm1", h)))
        out = out + lin(f"{name}.emb", F.silu(e))[:, :, None, None]
        out = conv(f"{name}.conv2", F.silu(gn(f"{name}.norm2", out)))
        return (conv(f"{name}.skip", h) if f"{name}.skip.weight" in p else h) + out

    dtype = p["inc.weight"].dtype
    sin = torch.from_numpy(timestep_embedding(t, net.time.sin_dim)).to(dtype)
    e = lin("time.fc2", F.silu(lin("time.fc1", sin))) + p["label.weight"][torch.from_numpy(y)]
    h = conv("inc", x)
    skips = []
    for level in range(net.levels):
        h = block(f"down_blocks.{level}", h, e)
        skips.append(h)
        if level < net.levels - 1:
            h = conv(f"downsamples.{level}", h, stride=2)
    h = block("mid", h, e)
    for i in range(net.levels):
        h = block(f"up_blocks.{i}", torch.cat([h, skips.pop()], dim=1), e)
        if i < net.levels - 1:
            h = conv(f"upsamples.{i}", F.interpolate(h, scale_factor=2, mode="nearest"))
    return conv("out", F.silu(gn("out_norm", h)))


def _unet(base: int, seed: int) -> tuple[Any, np.random.Generator]:
    from groundup.generative.diffusion.unet import DiffusionUNet

    rng = np.random.default_rng(seed)
    net = DiffusionUNet(1, base, (1, 2, 2), groups=8, time_dim=32, num_classes=10, generator=rng)
    # the output layer starts at zero; give it weights so its gradient is not trivial
    net.out.weight.data[...] = rng.normal(scale=0.05, size=net.out.weight.shape)
    return net, rng


def unet_train_pair(batch: int = BATCH, base: int = BASE, seed: int = 0) -> Pair:
    """One L_simple step of the U-Net with Adam on both sides."""
    import torch

    from groundup import Tensor, optim
    from groundup.generative.diffusion.noise_schedule import NoiseSchedule
    from groundup.optimization.losses.mse import mse_loss

    net, rng = _unet(base, seed)
    s = NoiseSchedule.linear(T)
    x0 = rng.uniform(-1, 1, (batch, 1, 28, 28))
    t, eps, y = (
        rng.integers(1, T + 1, batch),
        rng.standard_normal(x0.shape),
        rng.integers(0, 11, batch),
    )
    a = s.alpha_bar[t].reshape(-1, 1, 1, 1)
    x_t = (np.sqrt(a) * x0 + np.sqrt(1 - a) * eps).astype(np.float32)
    eps = eps.astype(np.float32)
    p = torch_params(net)
    opt, opt_t = optim.Adam(net.parameters(), lr=1e-3), torch.optim.Adam(p.values(), lr=1e-3)
    xg, eg, xt, et = Tensor(x_t), Tensor(eps), torch.tensor(x_t), torch.tensor(eps)
    first, first_t = net.inc.weight, p["inc.weight"]

    def run_groundup() -> tuple[float, np.ndarray]:
        loss = mse_loss(net(xg, t, y), eg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item(), first.grad.data

    def run_reference() -> tuple[float, np.ndarray]:
        loss = torch.nn.functional.mse_loss(torch_unet(p, xt, t, y, net), et)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item(), first_t.grad.numpy()

    return run_groundup, run_reference


def unet_sample_pair(batch: int = BATCH, base: int = BASE, seed: int = 0, w: float = 1.0) -> Pair:
    """One guided ancestral step x_t -> x_{t-1} on both sides (the network in float32)."""
    import torch

    from groundup.generative.diffusion.classifier_free_guidance import cfg_eps_fn
    from groundup.generative.diffusion.ddpm import ddpm_step
    from groundup.generative.diffusion.noise_schedule import NoiseSchedule

    net, rng = _unet(base, seed)
    net.eval()
    s = NoiseSchedule.linear(T)
    x = rng.standard_normal((batch, 1, 28, 28))
    t, y, z = np.full(batch, 500), rng.integers(0, 10, batch), rng.standard_normal(x.shape)
    p = {k: v.detach() for k, v in torch_params(net).items()}
    eps_fn = cfg_eps_fn(net, y, w)
    alpha, beta, a_bar = s.alphas[500], s.betas[500], s.alpha_bar[500]
    sigma = float(np.sqrt(s.posterior_variance[500]))
    x_both = torch.tensor(np.concatenate([x, x]).astype(np.float32))
    t_both, y_both = np.concatenate([t, t]), np.concatenate([y, np.full(batch, 10)])
    x64, z64 = torch.tensor(x), torch.tensor(z)

    def run_groundup() -> np.ndarray:
        return ddpm_step(s, x, t, eps_fn(x, t), z)

    def run_reference() -> np.ndarray:
        with torch.no_grad():
            both = torch_unet(p, x_both, t_both, y_both, net).double()
            eps = (1 + w) * both[:batch] - w * both[batch:]
            mean = (x64 - beta / np.sqrt(1 - a_bar) * eps) / np.sqrt(alpha)
            return (mean + sigma * z64).numpy()

    return run_groundup, run_reference


def mlp_train_pair(batch: int = 128, hidden: int = 256, seed: int = 0) -> Pair:
    """One L_simple step of ddpm-digits' MLP denoiser with Adam on both sides."""
    import torch
    import torch.nn.functional as F

    from groundup import Tensor, optim
    from groundup.generative.diffusion.ddpm import MLPDenoiser, timestep_embedding
    from groundup.optimization.losses.mse import mse_loss

    rng = np.random.default_rng(seed)
    net = MLPDenoiser(64, hidden, 3, time_dim=64, num_classes=10, generator=rng)
    x_t = rng.standard_normal((batch, 64)).astype(np.float32)
    eps = rng.standard_normal((batch, 64)).astype(np.float32)
    t, y = rng.integers(1, 401, batch), rng.integers(0, 11, batch)
    p = torch_params(net)
    opt, opt_t = optim.Adam(net.parameters(), lr=1e-3), torch.optim.Adam(p.values(), lr=1e-3)
    xg, eg, xt, et = Tensor(x_t), Tensor(eps), torch.tensor(x_t), torch.tensor(eps)
    emb = torch.from_numpy(timestep_embedding(t, 64).astype(np.float32))
    yt = torch.from_numpy(y)

    def lin(name: str, h: Any) -> Any:
        return F.linear(h, p[f"{name}.weight"], p[f"{name}.bias"])

    def run_groundup() -> tuple[float, np.ndarray]:
        loss = mse_loss(net(xg, t, y), eg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item(), net.inp.weight.grad.data

    def run_reference() -> tuple[float, np.ndarray]:
        h = lin("inp", xt) + lin("time", emb) + p["label.weight"][yt]
        for i in range(3):
            h = h + lin(f"blocks.{i}", F.silu(h))
        loss = F.mse_loss(lin("out", F.silu(h)), et)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item(), p["inp.weight"].grad.numpy()

    return run_groundup, run_reference


@workload(
    group="diffusion",
    name="DDPM U-Net (ddpm-mnist: 16-32-32 channels, GroupNorm, time + label), batch 64, Adam: train step",
)
def unet_train_step() -> Pair:
    return unet_train_pair()


@workload(
    group="diffusion",
    name="DDPM U-Net, batch 64: one guided ancestral sampling step (no-grad forward on 128 images)",
)
def unet_sample_step() -> Pair:
    return unet_sample_pair()


@workload(
    group="diffusion",
    name="MLP denoiser (ddpm-digits: 64-256, 3 residual blocks), batch 128, Adam: train step",
)
def mlp_train_step() -> Pair:
    return mlp_train_pair()
