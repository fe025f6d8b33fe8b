r"""Milestone ``vae-mnist``: a variational autoencoder on 4,000 real MNIST digits (Phase 7).

The PyTorch example's model (Kingma and Welling's MNIST setup): an MLP 784-400-(20, 20)
encoder giving $\mu$ and $\log\sigma^2$, a 20-400-784 decoder giving Bernoulli logits,
Adam 1e-3, batch 128, 50 epochs of the 4,000 training digits (1,550 steps). The loss is
the negative ELBO in nats per image, split into reconstruction and KL
(:mod:`groundup.generative.autoencoders.vae`); the target is a test $-$ELBO <= 120 nats
(one $z$ sample per test digit; the research notes measured 115.4 with the same setup).

Written to the run directory:

* ``samples.png``: 100 digits decoded from $z \sim \mathcal N(0, I)$;
* ``interpolation.png``: decoded $\mu$'s along straight lines between the codes of pairs of
  test digits of different classes (the curriculum's Phase 7 milestone);
* ``latent.png``: the test digits' $\mu$ projected on their two principal axes, coloured
  by class (the exact 2-D plane when ``latent_dim=2``);
* the summary: test $-$ELBO, reconstruction and KL, and FD, precision, recall and class
  entropy of 1,000 samples beside the real-vs-real floor at 1,000 digits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np

from groundup.milestones._generative import load_flat_digits, sample_metrics, save_grid
from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``vae-mnist``."""

    latent_dim: Annotated[int, Min(1)] = 20
    """Size of z."""
    hidden: Annotated[int, Min(1)] = 400
    """Width of the hidden layer of the encoder and of the decoder."""
    decoder: Literal["bernoulli", "gaussian"] = "bernoulli"
    """The likelihood p(x|z): Bernoulli logits, or a Gaussian with a learned per-pixel sigma."""
    epochs: Annotated[int, Min(1)] = 50
    """Passes over the training set."""
    batch_size: Annotated[int, Min(1)] = 128
    """Minibatch size."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Adam learning rate."""
    num_samples: Annotated[int, Min(10)] = 1000
    """Samples drawn for FD, precision and recall."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all 4,000)."""

    def quick(self) -> Config:
        return replace(self, epochs=2, train_size=512, num_samples=100, hidden=64)


def test_elbo(
    model: Any, X: np.ndarray, rng: np.random.Generator, labels: Any = None
) -> dict[str, float]:
    """Mean negative ELBO, reconstruction and KL on ``X`` (one z per image), no gradients."""
    from groundup import no_grad

    rec, kl = [], []
    with no_grad():
        for i in range(0, len(X), 500):
            if labels is None:
                out = model.elbo(X[i : i + 500], generator=rng)
            else:
                out = model.elbo(X[i : i + 500], labels[i : i + 500], generator=rng)
            rec.append(out.reconstruction.data)
            kl.append(out.kl.data)
    r, k = float(np.concatenate(rec).mean()), float(np.concatenate(kl).mean())
    return {"neg_elbo": r + k, "reconstruction": r, "kl": k}


def train_vae(cfg: Any, ctx: RunContext, model: Any, conditional: bool) -> dict[str, Any]:
    """The epoch loop shared with ``cvae-mnist``: Adam on the negative ELBO, test ELBO per epoch."""
    from groundup import optim

    X, y, X_test, y_test = load_flat_digits(cfg.train_size)
    optimizer = optim.Adam(model.parameters(), lr=cfg.lr)
    data_rng, eps_rng, eval_rng = ctx.rng(1), ctx.rng(2), ctx.rng(3)
    steps = len(X) // cfg.batch_size
    loop = ctx.loop(cfg.epochs, model=model, optimizer=optimizer, unit="epoch")
    with ctx.progress(steps * loop.remaining, ctx.name) as bar:
        for epoch in loop:
            model.train()
            order = data_rng.permutation(len(X))
            totals = np.zeros(3)
            for step in range(steps):
                idx = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
                if conditional:
                    out = model.elbo(X[idx], y[idx], generator=eps_rng)
                else:
                    out = model.elbo(X[idx], generator=eps_rng)
                optimizer.zero_grad()
                out.loss.backward()
                loss = loop.check(out.loss, where=f"epoch {epoch + 1}, batch {step + 1}")
                optimizer.step()
                totals += [loss, out.reconstruction.data.mean(), out.kl.data.mean()]
                bar.advance(1, epoch=epoch + 1, loss=totals[0] / (step + 1))
            test = test_elbo(model, X_test, eval_rng, y_test if conditional else None)
            ctx.log(
                epoch + 1,
                train_neg_elbo=totals[0] / steps,
                train_reconstruction=totals[1] / steps,
                train_kl=totals[2] / steps,
                test_neg_elbo=test["neg_elbo"],
                test_reconstruction=test["reconstruction"],
                test_kl=test["kl"],
            )
    model.eval()
    return {
        f"test_{k}": round(v, 3)
        for k, v in test_elbo(model, X_test, eval_rng, y_test if conditional else None).items()
    }


def _interpolation(ctx: RunContext, model: Any, X: np.ndarray, y: np.ndarray) -> None:
    from groundup import Tensor, no_grad

    # pairs of test digits of different classes: 0->1, 2->3, ..., 8->9, 1->7, 3->8, 4->9
    pairs = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (1, 7), (3, 8), (4, 9)]
    steps = np.linspace(0.0, 1.0, 10, dtype=np.float32)[:, None]  # (10, 1)
    rows = []
    with no_grad():
        mu = model.encode(Tensor(X))[0].data  # (N, d)
        for a, b in pairs:
            za, zb = mu[np.flatnonzero(y == a)[0]], mu[np.flatnonzero(y == b)[0]]
            # $z(t) = (1-t) z_a + t z_b$
            z = (1 - steps) * za + steps * zb  # (10, d)
            rows.append(model.mean_image(model.decode(Tensor(z))))
    labels = [f"{a}→{b}" for a, b in pairs]
    save_grid(
        ctx,
        np.concatenate(rows),
        10,
        "interpolation.png",
        "linear paths between the codes μ of two test digits",
        labels,
    )


def _latent_scatter(ctx: RunContext, model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """The scatter of ``latent.png``; returns the share of variance its two axes show."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from groundup import Tensor, no_grad

    with no_grad():
        mu = model.encode(Tensor(X))[0].data.astype(np.float64)  # (N, d)
    centred = mu - mu.mean(0)
    if mu.shape[1] > 2:
        # the two principal axes of the codes: right singular vectors of the centred matrix
        _, s, Vt = np.linalg.svd(centred, full_matrices=False)
        plane = centred @ Vt[:2].T  # (N, 2)
        shown = float((s[:2] ** 2).sum() / (s**2).sum())
    else:
        plane, shown = np.pad(centred, [(0, 0), (0, 2 - mu.shape[1])]), 1.0
    fig, ax = plt.subplots(figsize=(6, 5.5))
    points = ax.scatter(plane[:, 0], plane[:, 1], c=y, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label="digit")
    ax.set_title(f"test codes μ on their 2 principal axes ({shown:.0%} of the variance)")
    ctx.save_figure(fig, "latent.png")
    return shown


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup.generative.autoencoders.vae import VAE

    model = VAE(784, cfg.hidden, cfg.latent_dim, cfg.decoder, generator=ctx.rng(0))
    summary = train_vae(cfg, ctx, model, conditional=False)
    _, _, X_test, y_test = load_flat_digits()
    sample_rng = np.random.default_rng([ctx.seed, 4])
    samples = model.sample(cfg.num_samples, generator=sample_rng)
    save_grid(ctx, samples[:100], 10, "samples.png", "VAE: decoded z ~ N(0, I)")
    _interpolation(ctx, model, X_test, y_test)
    summary["latent_variance_shown"] = round(_latent_scatter(ctx, model, X_test, y_test), 3)
    summary |= sample_metrics(samples)
    summary["train_seconds"] = round(ctx.elapsed(), 1)
    return summary


MILESTONE = Milestone(
    name="vae-mnist",
    title="VAE 784-400-20 (Bernoulli decoder) on 4,000 MNIST digits: ELBO in nats, samples, interpolations",
    phase="Phase 7 (implementation curriculum; six-month syllabus week 9), week 15",
    target="test -ELBO <= 120 nats (FD, precision and recall reported beside the real floor)",
    expected_time="~2 min (1,550 Adam steps at ~70 ms on a busy machine)",
    train=train,
    config=Config,
    check=lambda s: s["test_neg_elbo"] <= 120.0,
    variants={
        "--set decoder=gaussian": "a Gaussian decoder with a learned per-pixel sigma (nats of a density)"
    },
)
