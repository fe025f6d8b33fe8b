r"""Milestone ``tsne-digits``: a t-SNE map of scikit-learn's 1,797 handwritten digits.

:class:`TSNE` (perplexity 30, early exaggeration 12 for 250 iterations, FFT-interpolated
repulsion) embeds the 64-pixel digits in 2-D; ``embedding.png`` colours each point by its
digit. How faithful the map is, is measured by *trustworthiness* (Venna & Kaski, 2001): with
$r(i, j)$ the rank of $j$ among $i$'s neighbours in the input space and $U_k(i)$ the points
among $i$'s $k$ nearest in the embedding but not in the input,

$$ T(k) = 1 - \frac{2}{n k (2n - 3k - 1)} \sum_i \sum_{j \in U_k(i)} \big(r(i, j) - k\big), $$

1 when every embedded neighbourhood is a true one. Target: $T(5) \ge 0.95$.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.classical_ml.reduction import TSNE
from groundup.data import registry
from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``tsne-digits``."""

    n: Annotated[int | None, Min(10)] = None
    """Number of digits embedded (none: all 1,797)."""
    max_iter: Annotated[int, Min(250)] = 1000
    """t-SNE iterations (the first 250 exaggerated)."""
    perplexity: Annotated[float, Min(1)] = 30.0
    """t-SNE perplexity (about the number of neighbours each point keeps)."""

    def quick(self) -> Config:
        return replace(self, n=300, max_iter=300)


def trustworthiness(X: np.ndarray, Y: np.ndarray, n_neighbors: int = 5) -> float:
    """$T(k)$ of the module docstring for data X (n, d) and its embedding Y (n, d'); O(n^2) memory."""
    n, k = X.shape[0], n_neighbors

    def sq_dist(A: np.ndarray) -> np.ndarray:
        sq = np.sum(A**2, axis=1)
        D = sq[:, None] - 2.0 * A @ A.T + sq[None, :]
        np.fill_diagonal(D, np.inf)  # a point is not its own neighbour
        return D

    order_X = np.argsort(sq_dist(X), axis=1, kind="stable")  # (n, n), self last
    rank = np.empty((n, n), dtype=np.intp)
    rank[np.arange(n)[:, None], order_X] = np.arange(1, n + 1)  # r(i, j), 1 = nearest
    nn_Y = np.argsort(sq_dist(Y), axis=1, kind="stable")[:, :k]  # (n, k)
    r = rank[np.arange(n)[:, None], nn_Y]
    penalty = np.sum(np.maximum(r - k, 0))  # only j outside i's k nearest in X count
    return float(1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    digits = registry.load("digits")
    X, y = digits["data"], digits["target"]
    X, y = X[: cfg.n], y[: cfg.n]
    n = X.shape[0]
    tsne = TSNE(perplexity=cfg.perplexity, max_iter=cfg.max_iter, random_state=ctx.seed)
    Y = tsne.fit_transform(X)
    T = trustworthiness(X, Y, 5)
    ctx.x_label = "t-SNE iteration"
    ctx.log(step=tsne.n_iter_, kl_divergence=tsne.kl_divergence_, trustworthiness=T)

    fig, ax = plt.subplots(figsize=(8, 8))
    sc = ax.scatter(Y[:, 0], Y[:, 1], c=y, cmap="tab10", s=8)
    for d in range(10):
        if np.any(y == d):
            ax.annotate(str(d), np.median(Y[y == d], axis=0), fontsize=18, weight="bold")
    ax.legend(*sc.legend_elements(), title="digit", loc="best", fontsize=8)
    ax.set_title(f"t-SNE of {n} digits: KL {tsne.kl_divergence_:.3f}, trustworthiness {T:.3f}")
    ctx.save_figure(fig, "embedding.png")
    np.save(ctx.out_dir / "embedding.npy", Y)
    return {
        "trustworthiness": T,
        "kl_divergence": float(tsne.kl_divergence_),
        "n_iter": int(tsne.n_iter_),
        "n_points": int(n),
    }


MILESTONE = Milestone(
    name="tsne-digits",
    title="t-SNE map of the 1,797 scikit-learn digits (FFT-interpolated repulsion)",
    phase="Phase 4 (implementation curriculum), week 7: t-SNE",
    target="trustworthiness(k=5) >= 0.95",
    expected_time="~30-60 s on 2 cores",
    train=train,
    config=Config,
    check=lambda s: s["trustworthiness"] >= 0.95,
)
