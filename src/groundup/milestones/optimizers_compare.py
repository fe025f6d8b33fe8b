r"""Milestone ``optimizers-compare``: six optimisers on one MLP, and the loss landscape (Phase 3).

Every optimiser starts from the *same* initial weights and sees the *same* minibatches
in the same order, so the curves differ only by the update rule:

* SGD $\theta \leftarrow \theta - \eta g$; with momentum $v \leftarrow \mu v + g$,
  $\theta \leftarrow \theta - \eta v$; Nesterov evaluates the step at the look-ahead
  $g + \mu v$;
* RMSprop divides by a running RMS of the gradient, $\theta \leftarrow \theta - \eta
  g/(\sqrt{s} + \epsilon)$;
* Adam and AdamW add momentum and bias correction; AdamW decays the weights directly
  ($\theta \leftarrow \theta - \eta\lambda\theta$) instead of adding $\lambda\theta$ to $g$.

Then the **loss landscape** around the weights Adam found (Li et al., 2018,
"Visualizing the Loss Landscape of Neural Nets"): two random directions $\delta, \eta$
with each neuron's row rescaled to the norm of that row of the weights
(*filter normalisation*, so the picture does not depend on the weights' scale), and the
loss $L(\theta^* + \alpha\delta + \beta\eta)$ on a grid, drawn as contours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "SGD": ("SGD", {"lr": 0.05}),
    "SGD+momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "Nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "RMSprop": ("RMSprop", {"lr": 1e-3}),
    "Adam": ("Adam", {"lr": 1e-3}),
    "AdamW": ("AdamW", {"lr": 1e-3, "weight_decay": 1e-2}),
}


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``optimizers-compare`` (the optimisers' own settings are fixed)."""

    epochs: Annotated[int, Min(1)] = 8
    """Passes over the training set, for each optimiser."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (256,)
    """Hidden layer sizes of the MLP, comma-separated."""
    batch_size: Annotated[int, Min(1)] = 64
    """Minibatch size."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all 4,000)."""
    test_size: Annotated[int | None, Min(1)] = None
    """Use the first N test digits (none: all 1,000)."""
    grid: Annotated[int, Min(3)] = 25
    """Points per axis of the loss-landscape grid."""
    smoothing: Annotated[int, Min(1)] = 25
    """Moving-average window of the plotted loss curves."""

    def quick(self) -> Config:
        return replace(
            self, epochs=1, hidden=(32,), train_size=256, test_size=100, grid=7, smoothing=1
        )


def _data(cfg: Config) -> tuple[np.ndarray, ...]:
    from groundup import data

    d = data.load("mnist-5k")
    (X, y), (Xt, yt) = d["train"], d["test"]
    X, y, Xt, yt = (
        X[: cfg.train_size],
        y[: cfg.train_size],
        Xt[: cfg.test_size],
        yt[: cfg.test_size],
    )
    f = [a.reshape(len(a), -1).astype(np.float32) / 255.0 for a in (X, Xt)]
    return f[0], y.astype(np.int64), f[1], yt.astype(np.int64)


def _loss(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    from groundup import Tensor, no_grad
    from groundup.optimization.losses.cross_entropy import cross_entropy

    with no_grad():
        return cross_entropy(model(Tensor(X)), Tensor(y)).item()


def filter_normalized_direction(
    params: list[np.ndarray], rng: np.random.Generator
) -> list[np.ndarray]:
    r"""A random direction shaped like ``params``, each row scaled to $\|\theta_{\text{row}}\|$.

    Weight matrices ``(out, in)``: row $i$ of the direction gets norm $\|W_{i,:}\|$.
    Biases and other 1-D parameters get a zero direction (as in Li et al.).
    """
    out = []
    for p in params:
        if p.ndim < 2:
            out.append(np.zeros_like(p))
            continue
        d = rng.standard_normal(p.shape).astype(p.dtype)
        rows_p = p.reshape(p.shape[0], -1)
        rows_d = d.reshape(p.shape[0], -1)
        # d_i <- d_i / ||d_i|| * ||theta_i||  per row (filter)
        scale = np.linalg.norm(rows_p, axis=1, keepdims=True) / (
            np.linalg.norm(rows_d, axis=1, keepdims=True) + 1e-10
        )
        out.append((rows_d * scale).reshape(p.shape))
    return out


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from groundup import Tensor, optim
    from groundup.architectures.mlp import MLP
    from groundup.optimization.losses.cross_entropy import cross_entropy

    X, y, Xt, yt = _data(cfg)
    epochs, batch_size, hidden = cfg.epochs, cfg.batch_size, list(cfg.hidden)
    init = MLP(784, hidden, 10, generator=ctx.rng(0)).state_dict()
    steps = epochs * (len(X) // batch_size)
    order = np.concatenate([ctx.rng(1).permutation(len(X)) for _ in range(epochs)])

    # one optimiser per unit of the loop: an interrupted run resumes at the next optimiser
    loop = ctx.loop(len(OPTIMIZERS), unit="optimizer", state={"curves": {}, "results": {}})
    ctx.x_label = "step"  # the logged rows count minibatch steps
    curves: dict[str, list[float]] = loop.state["curves"]
    results: dict[str, dict[str, float]] = loop.state["results"]
    with ctx.progress(steps * loop.remaining, "optimizers") as bar:
        for k in loop:
            label, (cls_name, kwargs) = list(OPTIMIZERS.items())[k]
            model = MLP(784, hidden, 10)
            model.load_state_dict(init)
            opt = getattr(optim, cls_name)(model.parameters(), **kwargs)
            losses = []
            for s in range(steps):
                idx = order[s * batch_size : (s + 1) * batch_size]
                loss = cross_entropy(model(Tensor(X[idx])), Tensor(y[idx]))
                opt.zero_grad()
                loss.backward()
                losses.append(loop.check(loss, model=model, where=f"{label}, step {s + 1}"))
                opt.step()
                bar.advance(1, opt=label, loss=losses[-1])
            model.eval()
            with_no_grad_acc = float((model(Tensor(Xt)).data.argmax(1) == yt).mean())
            results[label] = {
                "final_train_loss": _loss(model, X, y),
                "test_accuracy": with_no_grad_acc,
            }
            curves[label] = losses
            if label == "Adam":  # the landscape is drawn around Adam's weights
                loop.state["adam"] = {n: t.data.copy() for n, t in model.state_dict().items()}
            for i in range(0, steps, max(1, steps // 50)):
                ctx.log(i, **{f"loss_{label}": float(np.mean(losses[max(0, i - 20) : i + 1]))})

    fig, ax = plt.subplots(figsize=(7, 4.5))
    window = min(cfg.smoothing, steps)
    for label, losses in curves.items():
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(smooth, label=f"{label} ({results[label]['final_train_loss']:.3f})")
    ax.set_xlabel("step")
    ax.set_ylabel(f"training loss (moving average of {window})")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Same MLP, same batches: six optimisers")
    ctx.save_figure(fig, "loss_curves.png")

    adam = MLP(784, hidden, 10)
    adam.load_state_dict(loop.state["adam"])
    landscape = _landscape(ctx, adam, X[:1000], y[:1000], cfg.grid)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    grid = landscape["alphas"]
    cs = ax.contour(grid, grid, landscape["loss"], levels=20, cmap="viridis")
    ax.clabel(cs, fontsize=7)
    ax.plot([0], [0], "r*", markersize=12, label="trained weights (Adam)")
    ax.set_xlabel(r"$\alpha$ (direction $\delta$)")
    ax.set_ylabel(r"$\beta$ (direction $\eta$)")
    ax.legend(loc="upper right")
    ax.set_title("Loss landscape, filter-normalised directions")
    ctx.save_figure(fig, "loss_landscape.png")

    return {
        "results": results,
        "sgd_final_loss": results["SGD"]["final_train_loss"],
        "adam_final_loss": results["Adam"]["final_train_loss"],
        "landscape_center_loss": landscape["center"],
        "landscape_min_loss": float(np.min(landscape["loss"])),
        "landscape_max_loss": float(np.max(landscape["loss"])),
        "plots": ["loss_curves.png", "loss_landscape.png"],
    }


def _landscape(ctx: RunContext, model: Any, X: np.ndarray, y: np.ndarray, n: int) -> dict[str, Any]:
    from groundup import no_grad

    params = list(model.parameters())
    theta = [p.data.copy() for p in params]
    rng = ctx.rng(2)
    delta = filter_normalized_direction(theta, rng)
    eta = filter_normalized_direction(theta, rng)
    alphas = np.linspace(-1.0, 1.0, n)
    loss = np.zeros((n, n))
    with no_grad():
        for i, b in enumerate(alphas):  # rows: beta
            for j, a in enumerate(alphas):  # cols: alpha
                for p, t, d, e in zip(params, theta, delta, eta):
                    p.data[...] = t + a * d + b * e
                loss[i, j] = _loss(model, X, y)
        for p, t in zip(params, theta):
            p.data[...] = t
    return {"alphas": alphas, "loss": loss, "center": float(loss[n // 2, n // 2])}


def _check(summary: dict[str, Any]) -> bool:
    finite = all(np.isfinite(r["final_train_loss"]) for r in summary["results"].values())
    # Adaptive steps beat plain SGD, and the trained point sits at the bottom of its basin.
    at_bottom = summary["landscape_center_loss"] <= 1.5 * summary["landscape_min_loss"] + 0.01
    return finite and summary["adam_final_loss"] < summary["sgd_final_loss"] and at_bottom


MILESTONE = Milestone(
    name="optimizers-compare",
    title="SGD, momentum, Nesterov, RMSprop, Adam, AdamW on one MLP; loss landscape around the optimum",
    phase="Phase 3 (implementation curriculum), week 5",
    target="Adam ends below plain SGD in training loss; the trained weights sit at the landscape's minimum",
    expected_time="~15 s",
    train=train,
    config=Config,
    check=_check,
)
