r"""Milestone ``attribution-mnist``: saliency, integrated gradients and LIME for the same digits.

Week 22 of the six-month syllabus ("saliency maps; LIME"). A LeNet-5 is trained on the
bundled digits (pixels in $[0, 1]$), then each of ``n_digits`` test digits is explained
three ways for its predicted class: saliency $|\partial F_c/\partial x|$, integrated
gradients from a black baseline (Gauss–Legendre, ``ig_steps`` points) and LIME on a 4 x 4
grid of superpixels (``lime_samples`` masks). ``attributions.png`` shows them side by side.

Two checks that a broken attribution would fail:

* *completeness*: $\sum_i \mathrm{IG}_i = F_c(x) - F_c(0)$, reported as the largest
  relative error over the digits;
* *deletion*: blacking out the 10% of pixels a method ranks highest lowers the class score
  by more than blacking out 10% of the digit's ink pixels at random (the control).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``attribution-mnist``."""

    data: Literal["mnist-5k", "mnist"] = "mnist-5k"
    """mnist-5k (bundled) or mnist (the full set)."""
    epochs: Annotated[int, Min(1)] = 6
    """Passes over the training set."""
    batch_size: Annotated[int, Min(1)] = 64
    """Minibatch size."""
    lr: Annotated[float, Min(0, exclusive=True)] = 2e-3
    """AdamW learning rate."""
    n_digits: Annotated[int, Min(1)] = 8
    """Test digits explained."""
    ig_steps: Annotated[int, Min(2)] = 64
    """Path points of integrated gradients."""
    lime_samples: Annotated[int, Min(2)] = 1000
    """Masked images per LIME explanation."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all)."""

    def quick(self) -> Config:
        return replace(self, epochs=2, train_size=256, n_digits=3, ig_steps=8, lime_samples=64)


def deletion_drop(model: Any, x: np.ndarray, c: int, ranking: np.ndarray, frac: float) -> float:
    """Score of class ``c`` on ``x`` ``(1, 28, 28)`` minus the score with the top ``frac`` ranked pixels set to 0."""
    from groundup.foundations.autograd import no_grad
    from groundup.foundations.computational_graph import Tensor

    k = max(1, int(frac * x.size))
    top = np.argsort(-ranking.ravel(), kind="stable")[:k]
    x_del = x.ravel().copy()
    x_del[top] = 0.0
    with no_grad():
        before = model(Tensor(x[None])).data[0, c]
        after = model(Tensor(x_del.reshape(1, *x.shape))).data[0, c]
    return float(before - after)


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup import optim
    from groundup.architectures.lenet import LeNet5
    from groundup.foundations.autograd import no_grad
    from groundup.foundations.computational_graph import Tensor
    from groundup.interpretability.adversarial import accuracy
    from groundup.interpretability.attribution import integrated_gradients, lime_image, saliency
    from groundup.milestones.fgsm_mnist import load_pixels
    from groundup.optimization.losses.cross_entropy import cross_entropy

    X_train, y_train, X_test, y_test = load_pixels(cfg.data, cfg.train_size, 1000)
    model = LeNet5(generator=ctx.rng(0))
    optimizer = optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    data_rng, lime_rng, control_rng = ctx.rng(1), ctx.rng(2), ctx.rng(3)
    steps = max(len(X_train) // cfg.batch_size, 1)
    loop = ctx.loop(cfg.epochs, model=model, optimizer=optimizer, unit="epoch")
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for epoch in loop:
            order = data_rng.permutation(len(X_train))
            total = 0.0
            for b in range(steps):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                loss = cross_entropy(model(Tensor(X_train[idx])), Tensor(y_train[idx]))
                optimizer.zero_grad()
                loss.backward()
                loop.check(loss)
                optimizer.step()
                total += loss.item()
            acc = accuracy(model, X_test, y_test)
            ctx.log(epoch + 1, loss=total / steps, test_accuracy=acc)
            bar.advance(1, test_acc=acc)

    xs = X_test[: cfg.n_digits]  # (n, 1, 28, 28)
    with no_grad():
        pred = model(Tensor(xs)).data.argmax(-1)  # explain what the model predicts
    sal = saliency(model, xs, pred)
    ig, delta = integrated_gradients(
        model, xs, pred, n_steps=cfg.ig_steps, return_convergence_delta=True
    )
    with no_grad():
        rows = np.arange(len(xs))
        gap = model(Tensor(xs)).data[rows, pred] - model(Tensor(np.zeros_like(xs))).data[rows, pred]
    lime = np.stack(
        [lime_image(model, xs[i], int(pred[i]), num_samples=cfg.lime_samples, generator=lime_rng)[1]
         for i in range(len(xs))]
    )  # fmt: skip
    drops: dict[str, list[float]] = {"saliency": [], "integrated_gradients": [], "lime": [], "random_ink": []}  # fmt: skip
    for i in range(len(xs)):
        c = int(pred[i])
        ink = (xs[i] > 0.1).astype(float) * control_rng.random(xs[i].shape)  # random ink pixels
        for name, ranking in (("saliency", sal[i]), ("integrated_gradients", ig[i]),
                              ("lime", lime[i][None]), ("random_ink", ink)):  # fmt: skip
            drops[name].append(deletion_drop(model, xs[i], c, ranking, 0.1))
    _figure(ctx, xs, pred, sal, ig, lime)
    completeness = float(np.max(np.abs(delta) / np.maximum(np.abs(gap), 1e-12)))
    mean_drop = {k: round(float(np.mean(v)), 4) for k, v in drops.items()}
    return {
        "test_accuracy": round(acc, 4),
        "ig_completeness_relative_error": completeness,
        "deletion_drop_10pct": mean_drop,
        "train_seconds": round(ctx.elapsed(), 1),
    }


def _figure(ctx: RunContext, xs, pred, sal, ig, lime) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(xs)
    cols = [("digit", xs[:, 0], "gray"), ("saliency |∂F/∂x|", sal[:, 0], "hot"),
            ("integrated gradients", ig[:, 0], "bwr"), ("LIME (4x4 grid)", lime, "bwr")]  # fmt: skip
    fig, axes = plt.subplots(n, 4, figsize=(7.5, 1.9 * n), squeeze=False)
    for i in range(n):
        for j, (title, maps, cmap) in enumerate(cols):
            ax = axes[i, j]
            m = maps[i]
            if cmap == "bwr":
                v = np.abs(m).max() or 1.0
                ax.imshow(m, cmap=cmap, vmin=-v, vmax=v)
            else:
                ax.imshow(m, cmap=cmap)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=9)
        axes[i, 0].set_ylabel(f"predicted {pred[i]}", fontsize=8)
    fig.suptitle("Why LeNet-5 predicts each digit: three attributions side by side")
    ctx.save_figure(fig, "attributions.png")


def _check(s: dict[str, Any]) -> bool:
    d = s["deletion_drop_10pct"]
    return (
        s["test_accuracy"] >= 0.95
        and s["ig_completeness_relative_error"] < 0.01
        and d["integrated_gradients"] > d["random_ink"]
        and d["saliency"] > d["random_ink"]
    )


MILESTONE = Milestone(
    name="attribution-mnist",
    title="Saliency, integrated gradients and LIME maps of a LeNet-5 for the same MNIST digits",
    phase="Six-month syllabus, week 22: saliency maps and LIME",
    target=(
        "test accuracy >= 0.95; IG completeness error < 1%; deleting the top 10% pixels by "
        "IG or saliency lowers the class score more than deleting random ink pixels"
    ),
    expected_time="8.6 min measured at load ~40 on 2 shared cores (niced)",
    train=train,
    config=Config,
    check=_check,
)
