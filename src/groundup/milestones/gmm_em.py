r"""Milestone ``gmm-em``: EM for a Gaussian mixture on 2-D data, its ellipses drawn as it iterates.

The curriculum's Phase 4 milestone: "Implement EM for GMM. Visualize clustering on 2D data."
Three elongated, overlapping Gaussians are sampled; :class:`GaussianMixture` (full
covariances) starts from K random data points (``init_params="random"``, so the
first iterations visibly move) and EM runs to convergence. Because EM from a fixed seed is
deterministic, the state after $t$ iterations is a fit with ``max_iter=t``: the figure
``em_iterations.png`` shows the $2\sigma$ ellipse of every component, $\{x : (x-\mu_k)^\top
\Sigma_k^{-1} (x-\mu_k) = 4\}$, after 1, 5, 10, 15, 20 iterations and at convergence.

Logged per iteration: the lower bound $\frac1n\sum_i \log p(x_i)$ (never decreasing).
Summary: the final lower bound, the iterations, and the clustering accuracy against the
true components (best matching of cluster ids to components).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.classical_ml.clustering import GaussianMixture
from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

SNAPSHOTS = (1, 5, 10, 15, 20)


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``gmm-em``."""

    n: Annotated[int, Min(3)] = 900
    """Number of points sampled."""

    def quick(self) -> Config:
        return replace(self, n=150)


def make_blobs_2d(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from three 2-D Gaussians with different shapes: X (n, 2), labels (n,)."""
    means = np.array([[0.0, 0.0], [4.0, 3.0], [-3.0, 4.0]])
    covs = np.array(
        [[[2.0, 1.2], [1.2, 1.0]], [[0.6, -0.3], [-0.3, 1.5]], [[1.0, 0.0], [0.0, 0.3]]]
    )
    y = rng.integers(0, 3, size=n)
    L = np.linalg.cholesky(covs)  # (3, 2, 2)
    X = means[y] + np.einsum("nij,nj->ni", L[y], rng.standard_normal((n, 2)))
    return X, y


def cluster_accuracy(y_true: np.ndarray, y_pred: np.ndarray, K: int) -> float:
    """Accuracy under the best one-to-one renaming of the K cluster ids (all K! tried)."""
    return max(
        float(np.mean(np.asarray(perm)[y_pred] == y_true))
        for perm in itertools.permutations(range(K))
    )


def ellipse_points(mean: np.ndarray, cov: np.ndarray, n_std: float = 2.0) -> np.ndarray:
    r"""Points of $\{x: (x-\mu)^\top\Sigma^{-1}(x-\mu) = c^2\}$: $\mu + c\, V \Lambda^{1/2} u(\theta)$, (100, 2)."""
    lam, V = np.linalg.eigh(cov)
    theta = np.linspace(0, 2 * np.pi, 100)
    circle = np.stack([np.cos(theta), np.sin(theta)])  # (2, 100)
    return (mean[:, None] + n_std * V @ (np.sqrt(lam)[:, None] * circle)).T


def _fit(X: np.ndarray, seed: int, max_iter: int) -> GaussianMixture:
    gm = GaussianMixture(3, init_params="random", max_iter=max_iter, random_state=seed, tol=1e-6)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the snapshots stop before convergence on purpose
        return gm.fit(X)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = make_blobs_2d(cfg.n, ctx.rng(1))
    final = _fit(X, ctx.seed, 500)
    for t, bound in enumerate(final.lower_bounds_, start=1):
        ctx.log(step=t, lower_bound=bound)
    steps = [s for s in SNAPSHOTS if s < final.n_iter_] + [final.n_iter_]
    fig, axes = plt.subplots(2, 3, figsize=(13, 8.5))
    for ax, t in zip(axes.ravel(), steps[-6:]):
        gm = final if t == final.n_iter_ else _fit(X, ctx.seed, t)
        ax.scatter(X[:, 0], X[:, 1], c=y, s=6, cmap="tab10", vmin=0, vmax=9, alpha=0.5)
        for k in range(3):
            E = ellipse_points(gm.means_[k], gm.covariances_[k])
            ax.plot(E[:, 0], E[:, 1], color="black", lw=1.5)
            ax.plot(*gm.means_[k], "k+", ms=10)
        ax.set_title(f"iteration {t}: lower bound {gm.lower_bound_:.3f}")
        ax.set_aspect("equal")
    for ax in axes.ravel()[len(steps[-6:]) :]:
        ax.axis("off")
    fig.suptitle("EM for a Gaussian mixture: 2σ ellipses of each component")
    ctx.save_figure(fig, "em_iterations.png")
    ctx.x_label = "EM iteration"
    bounds = np.asarray(final.lower_bounds_)
    return {
        "lower_bound": float(final.lower_bound_),
        "n_iter": int(final.n_iter_),
        "converged": bool(final.converged_),
        "monotone": bool(np.all(np.diff(bounds) >= -1e-10)),
        "cluster_accuracy": cluster_accuracy(y, final.predict(X), 3),
    }


MILESTONE = Milestone(
    name="gmm-em",
    title="EM for a 3-component Gaussian mixture on 2-D data, ellipses drawn over the iterations",
    phase="Phase 4 (implementation curriculum), week 7: the GMM milestone",
    target="cluster_accuracy >= 0.9, lower bound never decreasing, converged",
    expected_time="~5 s",
    train=train,
    config=Config,
    check=lambda s: s["cluster_accuracy"] >= 0.9 and s["monotone"] and s["converged"],
)
