r"""Group ``autoencoders``: a VAE training step, groundup against PyTorch CPU.

The ``vae-mnist`` model (:class:`groundup.generative.autoencoders.vae.VAE`: 784-400-(20, 20)
encoder, 20-400-784 Bernoulli decoder), batch 128, Adam 1e-3: encoder, reparameterised
sample $z = \mu + \sigma\varepsilon$, decoder, the negative ELBO (binary cross-entropy
summed over pixels plus the closed-form KL, averaged over the batch), backward and the
Adam update. Both sides start from the same weights and use the same batch and the same
$\varepsilon$ (drawn by NumPy from one seed on both sides, inside the timed call).

Each callable returns ``(loss, gradient of the first encoder weight)`` so that
``tests/benchmarks/test_bench_autoencoders.py`` can check both sides compute the same step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.registry import Pair, workload


def torch_vae(in_features: int = 784, hidden: int = 400, latent_dim: int = 20) -> Any:
    """The VAE in PyTorch, with groundup's parameter names (``encoder.0.weight`` ...)."""
    from torch import nn

    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.latent_dim = latent_dim
            self.encoder = nn.Sequential(
                nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim)
            )
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, in_features)
            )

    return VAE()


def vae_pair(batch: int = 128, hidden: int = 400, latent_dim: int = 20, seed: int = 0) -> Pair:
    """One Adam step of the negative ELBO on both sides (see the module docstring)."""
    import torch
    from torch.nn import functional as F

    from groundup import optim
    from groundup.generative.autoencoders.vae import VAE

    ours = VAE(784, hidden, latent_dim, generator=np.random.default_rng(seed))
    theirs = torch_vae(784, hidden, latent_dim)
    theirs.load_state_dict(
        {k: torch.tensor(np.array(v.data)) for k, v in ours.state_dict().items()}
    )
    X = np.random.default_rng(seed + 1).random((batch, 784), dtype=np.float32)
    Xt = torch.tensor(X)
    opt = optim.Adam(ours.parameters(), lr=1e-3)
    opt_t = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    first, first_t = ours.encoder[0].weight, theirs.encoder[0].weight
    d = latent_dim

    def run_groundup() -> tuple[float, np.ndarray]:
        loss = ours.elbo(X, generator=np.random.default_rng(seed + 2)).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item(), first.grad.data

    def run_reference() -> tuple[float, np.ndarray]:
        eps = np.random.default_rng(seed + 2).standard_normal((batch, d)).astype(np.float32)
        h = theirs.encoder(Xt)
        mu, logvar = h[:, :d], h[:, d:]
        z = mu + torch.exp(0.5 * logvar) * torch.from_numpy(eps)
        rec = F.binary_cross_entropy_with_logits(theirs.decoder(z), Xt, reduction="none").sum(1)
        kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)
        loss = (rec + kl).mean()
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item(), first_t.grad.numpy()

    return run_groundup, run_reference


@workload(
    group="autoencoders",
    name="VAE 784-400-20 (vae-mnist), batch 128, Adam: train step (negative ELBO)",
)
def vae_step() -> Pair:
    return vae_pair()
