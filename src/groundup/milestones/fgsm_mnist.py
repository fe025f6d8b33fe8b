r"""Milestone ``fgsm-mnist``: adversarial examples against LeNet-5, and adversarial training.

Week 22 of the six-month syllabus: "FGSM attack on MNIST + saliency maps". Two LeNet-5s
are trained side by side on the same digits (pixels in $[0, 1]$): a *standard* one on
clean images, and a *robust* one on PGD examples of budget ``train_eps`` (Madry et al.'s
adversarial training, $\min_\theta \mathbb E \max_{\|\delta\|_\infty \le \epsilon}
\mathcal L$, the inner maximum found by PGD with ``train_steps`` steps and a random
start). Both see randomly shifted digits, the standard model ``standard_passes`` times
as many (its steps cost a sixth of the robust model's). Both are then
attacked on the first ``attack_size`` test digits with FGSM and PGD at
$\epsilon \in \{0, .05, \dots, .3\}$; clean accuracy is measured on ``test_size``.

What it shows: the standard model's accuracy falls steadily as $\epsilon$ grows (FGSM,
and lower still under PGD, the stronger attack); the robust model keeps most of its
accuracy at the budget it was trained for. Figures: ``accuracy_vs_eps.png``,
``adversarial_examples.png`` (clean and attacked digits with the standard model's
predictions) and ``saliency.png`` ($|\partial F_y/\partial x|$ of both models: the robust
model's gradients look like strokes, the standard model's like noise).

Logged per epoch: the training losses, clean test accuracy of both models, and their
PGD accuracy at ``train_eps`` on the first 100 test digits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext

EPSILONS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``fgsm-mnist``."""

    data: Literal["mnist-5k", "mnist"] = "mnist-5k"
    """mnist-5k (bundled) or mnist (the full set, downloaded or added)."""
    epochs: Annotated[int, Min(1)] = 10
    """Passes over the training set (both models)."""
    batch_size: Annotated[int, Min(1)] = 64
    """Minibatch size."""
    lr: Annotated[float, Min(0, exclusive=True)] = 2e-3
    """AdamW learning rate (cosine-annealed to 0)."""
    weight_decay: Annotated[float, Min(0)] = 0.01
    """AdamW decoupled weight decay."""
    standard_passes: Annotated[int, Min(1)] = 3
    """Minibatches of the standard model per step of the robust one (it is ~6x cheaper)."""
    shift: Annotated[int, Min(0)] = 2
    """Random shift of each training digit, in pixels (0: none)."""
    train_eps: Annotated[float, Min(0)] = 0.1
    """L-inf budget of the PGD examples the robust model trains on."""
    train_steps: Annotated[int, Min(1)] = 5
    """PGD steps per training example (step 2.5 * train_eps / train_steps)."""
    attack_steps: Annotated[int, Min(1)] = 10
    """PGD steps of the evaluation attack."""
    train_size: Annotated[int | None, Min(1)] = None
    """Use the first N training digits (none: all)."""
    test_size: Annotated[int, Min(1)] = 1000
    """Clean accuracy on the first N test digits."""
    attack_size: Annotated[int, Min(1)] = 300
    """Attack the first N test digits."""

    def quick(self) -> Config:
        return replace(
            self, epochs=2, train_size=256, test_size=48, attack_size=48, train_steps=2,
            attack_steps=3,
        )  # fmt: skip


def load_pixels(name: str, train_size: int | None, test_size: int) -> tuple[np.ndarray, ...]:
    """``(X_train, y_train, X_test, y_test)``: float32 images ``(N, 1, 28, 28)`` in ``[0, 1]``."""
    from groundup import data

    d = data.load(name)
    (X_train, y_train), (X_test, y_test) = d["train"], d["test"]
    X_train, y_train = X_train[:train_size], y_train[:train_size]
    X_test, y_test = X_test[:test_size], y_test[:test_size]
    images = [(X.astype(np.float32) / 255.0)[:, None] for X in (X_train, X_test)]
    return images[0], y_train.astype(np.int64), images[1], y_test.astype(np.int64)


def robustness_curve(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    epsilons: tuple[float, ...],
    steps: int,
    rng: np.random.Generator,
    batch_size: int = 100,
) -> dict[str, list[float]]:
    """FGSM and PGD accuracy of ``model`` on ``(X, y)`` at each budget."""
    from groundup.interpretability.adversarial import accuracy, fgsm, pgd

    out: dict[str, list[float]] = {"fgsm": [], "pgd": []}
    for eps in epsilons:
        adv_f, adv_p = [], []
        for i in range(0, len(X), batch_size):
            xb, yb = X[i : i + batch_size], y[i : i + batch_size]
            adv_f.append(fgsm(model, xb, yb, eps))
            adv_p.append(pgd(model, xb, yb, eps, steps=steps, generator=rng))
        out["fgsm"].append(round(accuracy(model, np.concatenate(adv_f), y), 4))
        out["pgd"].append(round(accuracy(model, np.concatenate(adv_p), y), 4))
    return out


def _figures(ctx: RunContext, models: Any, X: np.ndarray, y: np.ndarray, curves: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from groundup.foundations.autograd import no_grad
    from groundup.foundations.computational_graph import Tensor
    from groundup.interpretability.adversarial import fgsm
    from groundup.interpretability.attribution import saliency

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for name, style in (("standard", "-"), ("robust", "--")):
        for attack, color in (("fgsm", "tab:blue"), ("pgd", "tab:red")):
            ax.plot(EPSILONS, curves[name][attack], style, color=color, marker="o",
                    label=f"{name} model, {attack.upper()}")  # fmt: skip
    ax.set_xlabel("L∞ budget ε (pixels in [0, 1])")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("LeNet-5 under attack: standard vs adversarially trained")
    ctx.save_figure(fig, "accuracy_vs_eps.png")

    std, rob = models["standard"], models["robust"]
    n = 8
    xs, ys = X[:n], y[:n]
    rows = [("clean", xs)] + [(f"FGSM ε={e}", fgsm(std, xs, ys, e)) for e in (0.1, 0.2, 0.3)]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.4 * n, 1.6 * len(rows)))
    for r, (label, imgs) in enumerate(rows):
        with no_grad():
            pred = std(Tensor(imgs)).data.argmax(-1)
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(imgs[c, 0], cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{pred[c]}", color="black" if pred[c] == ys[c] else "red", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=8)
    fig.suptitle("Standard LeNet's predictions (red: wrong) on clean and FGSM digits")
    ctx.save_figure(fig, "adversarial_examples.png")

    maps = [("digit", xs[:, 0]), ("standard |∂F/∂x|", saliency(std, xs, ys)[:, 0]),
            ("robust |∂F/∂x|", saliency(rob, xs, ys)[:, 0])]  # fmt: skip
    fig, axes = plt.subplots(3, n, figsize=(1.4 * n, 4.8))
    for r, (label, imgs) in enumerate(maps):
        for c in range(n):
            axes[r, c].imshow(imgs[c], cmap="gray" if r == 0 else "hot")
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=8)
    fig.suptitle("Saliency of the true class: standard vs adversarially trained LeNet")
    ctx.save_figure(fig, "saliency.png")


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    from groundup import optim
    from groundup.architectures.lenet import LeNet5
    from groundup.foundations.computational_graph import Tensor
    from groundup.interpretability.adversarial import accuracy, pgd
    from groundup.milestones.training import random_shift
    from groundup.nn_core.containers import ModuleDict
    from groundup.optimization.losses.cross_entropy import cross_entropy

    X_train, y_train, X_test, y_test = load_pixels(cfg.data, cfg.train_size, cfg.test_size)
    init_rng = ctx.rng(0)
    models = ModuleDict(
        {"standard": LeNet5(generator=init_rng), "robust": LeNet5(generator=init_rng)}
    )
    std, rob = models["standard"], models["robust"]
    # one AdamW over both models: its state is per parameter, so it is two optimisers in one
    optimizer = optim.AdamW(models.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = max(len(X_train) // cfg.batch_size, 1)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs * steps_per_epoch)
    data_rng, attack_rng, eval_rng = ctx.rng(1), ctx.rng(2), ctx.rng(3)
    X_probe, y_probe = X_test[:100], y_test[:100]

    loop = ctx.loop(
        cfg.epochs, model=models, optimizer=optimizer, scheduler=scheduler, unit="epoch"
    )
    with ctx.progress(loop.remaining, ctx.name) as bar:
        for epoch in loop:
            order = data_rng.permutation(len(X_train))
            sum_std = sum_rob = 0.0
            for b in range(steps_per_epoch):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                xb, yb = X_train[idx], y_train[idx]
                if cfg.shift:  # the background is 0, as random_shift fills the border
                    xb = random_shift(xb, data_rng, cfg.shift)
                # the robust model's batch: PGD examples of the current weights
                x_adv = pgd(rob, xb, yb, cfg.train_eps, steps=cfg.train_steps, generator=attack_rng)
                loss_std = cross_entropy(std(Tensor(xb)), Tensor(yb))
                loss_rob = cross_entropy(rob(Tensor(x_adv)), Tensor(yb))
                loss = loss_std + loss_rob  # independent parameters: two gradients in one pass
                optimizer.zero_grad()
                loss.backward()
                loop.check(loss)
                optimizer.step()
                # more steps of the standard model alone (the robust one has no gradient: skipped)
                for _ in range(cfg.standard_passes - 1):
                    extra = data_rng.integers(0, len(X_train), size=cfg.batch_size)
                    xe = X_train[extra]
                    if cfg.shift:
                        xe = random_shift(xe, data_rng, cfg.shift)
                    optimizer.zero_grad()
                    cross_entropy(std(Tensor(xe)), Tensor(y_train[extra])).backward()
                    optimizer.step()
                scheduler.step()
                sum_std += loss_std.item()
                sum_rob += loss_rob.item()
            probe = {
                name: pgd(
                    m, X_probe, y_probe, cfg.train_eps, steps=cfg.attack_steps, generator=eval_rng
                )
                for name, m in (("standard", std), ("robust", rob))
            }
            ctx.log(
                epoch + 1,
                loss_standard=sum_std / steps_per_epoch,
                loss_robust=sum_rob / steps_per_epoch,
                test_accuracy_standard=accuracy(std, X_test, y_test),
                test_accuracy_robust=accuracy(rob, X_test, y_test),
                pgd_accuracy_standard=accuracy(std, probe["standard"], y_probe),
                pgd_accuracy_robust=accuracy(rob, probe["robust"], y_probe),
            )
            bar.advance(1, pgd_robust=accuracy(rob, probe["robust"], y_probe))

    X_att, y_att = X_test[: cfg.attack_size], y_test[: cfg.attack_size]
    curves = {
        name: robustness_curve(m, X_att, y_att, EPSILONS, cfg.attack_steps, eval_rng)
        for name, m in (("standard", std), ("robust", rob))
    }
    _figures(ctx, models, X_att, y_att, curves)
    i01 = EPSILONS.index(0.1)
    falling = all(
        all(b <= a for a, b in itertools.pairwise(curve))
        for curve in (curves["standard"]["fgsm"], curves["standard"]["pgd"])
    )
    return {
        "epsilons": list(EPSILONS),
        "fgsm_standard": curves["standard"]["fgsm"],
        "pgd_standard": curves["standard"]["pgd"],
        "fgsm_robust": curves["robust"]["fgsm"],
        "pgd_robust": curves["robust"]["pgd"],
        "clean_accuracy_standard": round(accuracy(std, X_test, y_test), 4),
        "clean_accuracy_robust": round(accuracy(rob, X_test, y_test), 4),
        "pgd_at_0.1_standard": curves["standard"]["pgd"][i01],
        "pgd_at_0.1_robust": curves["robust"]["pgd"][i01],
        "standard_monotone": falling,
        "train_seconds": round(ctx.elapsed(), 1),
    }


def _check(s: dict[str, Any]) -> bool:
    return (
        s["standard_monotone"]
        and s["clean_accuracy_standard"] >= 0.97
        and s["pgd_at_0.1_robust"] >= s["pgd_at_0.1_standard"] + 0.3
    )


MILESTONE = Milestone(
    name="fgsm-mnist",
    title="FGSM and PGD against LeNet-5 on MNIST digits, and an adversarially trained LeNet",
    phase="Six-month syllabus, week 22: robustness and attribution",
    target=(
        "standard LeNet: clean accuracy >= 0.97 and FGSM/PGD accuracy non-increasing over "
        "eps = 0..0.3; adversarial training: PGD accuracy at eps = 0.1 at least 0.3 above "
        "the standard model's"
    ),
    expected_time="13-16 min at load 15-25 on 2 shared cores (niced, one BLAS thread)",
    train=train,
    config=Config,
    check=_check,
)
