r"""Group ``gans``: the training steps of the GAN milestones, groundup against PyTorch CPU.

* **DCGAN step** (``dcgan-mnist``'s networks: $z$ 64 → 32@7² → 16@14² → 1@28², and the
  strided discriminator 1 → 16@14² → 32@7² → 1, BatchNorm in both, train mode), batch 64:
  one discriminator step (real and detached fake, BCE from logits, Adam) and one generator
  step (non-saturating loss through the updated discriminator, Adam).
* **WGAN-GP critic step** with its double backward, batch 64: the critic loss
  $\mathbb E f(\tilde x) - \mathbb E f(x) + 10\,\mathbb E(\lVert\nabla f(\hat x)\rVert - 1)^2$,
  backward through the gradient of the critic (``create_graph=True``), Adam. Two critics:
  the conv critic ``DCGANDiscriminator(1, 32, batch_norm=False)`` (1 → 32@14² → 64@7² → 1)
  and the MLP critic of ``wgan-gp-mnist`` (784-512-256-1).

Both sides start from the same weights (copied into the torch twins) and see the same
batches, noise and per-sample $\alpha$; each callable returns the losses and one
parameter's gradient so ``tests/benchmarks/test_bench_gans.py`` can check that the two
compute the same steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.registry import Pair, workload

LATENT, BASE, BATCH = 64, 16, 64


def torch_dcgan(latent: int = LATENT, base: int = BASE) -> tuple[Any, Any]:
    """``DCGANGenerator``/``DCGANDiscriminator`` (28x28, 1 channel) as torch ``Sequential`` s."""
    from torch import nn

    G = nn.Sequential(
        nn.Unflatten(1, (latent, 1, 1)),
        nn.ConvTranspose2d(latent, base * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(base * 2), nn.ReLU(),
        nn.ConvTranspose2d(base * 2, base, 4, 2, 1, bias=False), nn.BatchNorm2d(base), nn.ReLU(),
        nn.ConvTranspose2d(base, 1, 4, 2, 1), nn.Tanh(),
    )  # fmt: skip
    D = nn.Sequential(
        nn.Conv2d(1, base, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(base, base * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(base * 2), nn.LeakyReLU(0.2),
        nn.Conv2d(base * 2, 1, 7, 1, 0), nn.Flatten(0),
    )  # fmt: skip
    return G, D


def torch_critic(kind: str) -> Any:
    from torch import nn

    if kind == "conv":
        return nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 1, 7, 1, 0), nn.Flatten(0),
        )  # fmt: skip
    return nn.Sequential(
        nn.Flatten(1), nn.Linear(784, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Flatten(0),
    )  # fmt: skip


def copy_parameters(ours: Any, theirs: Any) -> None:
    """Copy groundup parameters and buffers into a torch twin, in order (shapes must agree)."""
    import torch

    ps = [p for _, p in ours.named_parameters()]
    ts = list(theirs.parameters())
    if [tuple(p.shape) for p in ps] != [tuple(t.shape) for t in ts]:
        raise ValueError("copy_parameters: the twins' parameter shapes differ")
    with torch.no_grad():
        for p, t in zip(ps, ts):
            t.copy_(torch.tensor(np.array(p.data)))


def dcgan_pair(batch: int = BATCH, base: int = BASE, seed: int = 0) -> Pair:
    """One D step and one G step of DCGAN on both sides."""
    import torch
    import torch.nn.functional as tF

    from groundup import Tensor, optim
    from groundup.generative.gans import DCGANDiscriminator, DCGANGenerator
    from groundup.generative.gans.vanilla_gan import discriminator_loss, generator_loss

    rng = np.random.default_rng(seed)
    G, D = DCGANGenerator(LATENT, base, generator=rng), DCGANDiscriminator(1, base, generator=rng)
    Gt, Dt = torch_dcgan(LATENT, base)
    copy_parameters(G, Gt)
    copy_parameters(D, Dt)
    real = rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)
    z = rng.standard_normal((batch, LATENT)).astype(np.float32)

    def adam(params: Any, lib: Any) -> Any:
        return lib.Adam(params, lr=2e-4, betas=(0.5, 0.999))

    opt_g, opt_d = adam(G.parameters(), optim), adam(D.parameters(), optim)
    opt_gt, opt_dt = adam(Gt.parameters(), torch.optim), adam(Dt.parameters(), torch.optim)
    real_g, z_g, real_t, z_t = Tensor(real), Tensor(z), torch.tensor(real), torch.tensor(z)
    first, first_t = next(iter(G.parameters())), next(iter(Gt.parameters()))

    def run_groundup() -> tuple[float, float, np.ndarray]:
        fake = G(z_g)
        d_loss = discriminator_loss(D(real_g), D(fake.detach()))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        D.requires_grad_(False)
        g_loss = generator_loss(D(fake))
        D.requires_grad_(True)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        return d_loss.item(), g_loss.item(), first.grad.data

    def run_reference() -> tuple[float, float, np.ndarray]:
        fake = Gt(z_t)
        r, f = Dt(real_t), Dt(fake.detach())
        d_loss = tF.softplus(-r).mean() + tF.softplus(f).mean()
        opt_dt.zero_grad()
        d_loss.backward()
        opt_dt.step()
        Dt.requires_grad_(False)
        g_loss = tF.softplus(-Dt(fake)).mean()
        Dt.requires_grad_(True)
        opt_gt.zero_grad()
        g_loss.backward()
        opt_gt.step()
        return d_loss.item(), g_loss.item(), first_t.grad.numpy()

    return run_groundup, run_reference


def critic_pair(kind: str = "conv", batch: int = BATCH, seed: int = 0) -> Pair:
    """One WGAN-GP critic step (penalty with its double backward) on both sides."""
    import torch

    from groundup import optim
    from groundup.generative.gans import Critic, DCGANDiscriminator
    from groundup.generative.gans.wgan_gp import critic_loss, gradient_penalty

    rng = np.random.default_rng(seed)
    if kind == "conv":
        f = DCGANDiscriminator(1, 32, batch_norm=False, generator=rng)
    else:
        f = Critic(784, (512, 256), generator=rng)
    ft = torch_critic(kind)
    copy_parameters(f, ft)
    real = rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)
    fake = rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)
    alpha = rng.uniform(size=batch).astype(np.float32)
    opt = optim.Adam(f.parameters(), lr=1e-4, betas=(0.5, 0.9))
    opt_t = torch.optim.Adam(ft.parameters(), lr=1e-4, betas=(0.5, 0.9))
    from groundup import Tensor

    real_g, fake_g = Tensor(real), Tensor(fake)
    real_t, fake_t = torch.tensor(real), torch.tensor(fake)
    a = torch.tensor(alpha).reshape(batch, 1, 1, 1)
    x_hat_t = a * real_t + (1 - a) * fake_t
    first, first_t = next(iter(f.parameters())), next(iter(ft.parameters()))

    def run_groundup() -> tuple[float, np.ndarray]:
        penalty, _ = gradient_penalty(f, real_g, fake_g, alpha=alpha)
        loss = critic_loss(f(real_g), f(fake_g), penalty, 10.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item(), first.grad.data

    def run_reference() -> tuple[float, np.ndarray]:
        x_hat = x_hat_t.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(ft(x_hat).sum(), x_hat, create_graph=True)
        penalty = ((g.reshape(batch, -1).norm(dim=1) - 1) ** 2).mean()
        loss = ft(fake_t).mean() - ft(real_t).mean() + 10.0 * penalty
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item(), first_t.grad.numpy()

    return run_groundup, run_reference


@workload(
    group="gans", name="DCGAN (dcgan-mnist: 16/32 channels, BatchNorm), batch 64: D step + G step"
)
def dcgan_step() -> Pair:
    return dcgan_pair()


@workload(
    group="gans", name="WGAN-GP conv critic (32/64 channels), batch 64: step with double backward"
)
def wgan_conv_critic_step() -> Pair:
    return critic_pair("conv")


@workload(
    group="gans", name="WGAN-GP MLP critic (784-512-256-1), batch 64: step with double backward"
)
def wgan_mlp_critic_step() -> Pair:
    return critic_pair("mlp")
