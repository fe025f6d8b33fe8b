"""Every scheduler against torch.optim.lr_scheduler: the same learning rates, step by step."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tsched

from groundup import Tensor
from groundup.optim import SGD
from groundup.optim import lr_scheduler as gsched

STEPS = 40
LRS = (0.1, 0.03)  # two groups with different starting rates


def _groundup_optimizer() -> SGD:
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    return SGD([{"params": [a]}, {"params": [b], "lr": LRS[1]}], lr=LRS[0], momentum=0.9)


def _torch_optimizer() -> torch.optim.SGD:
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.SGD(
        [{"params": [a]}, {"params": [b], "lr": LRS[1]}], lr=LRS[0], momentum=0.9
    )


def lr_sequence(make: Callable[[Any], Any], opt: Any, steps: int = STEPS) -> list[list[float]]:
    """The learning rates of every group at t = 0 .. steps-1 (read from the optimiser)."""
    sched = make(opt)
    seq = []
    for _ in range(steps):
        seq.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == seq[-1]
        opt.step()
        sched.step()
    return seq


def _warmup_cosine_torch(W: int, T: int, min_lr: float, s: float) -> Callable[[Any], Any]:
    def make(opt: Any) -> Any:
        return tsched.SequentialLR(
            opt,
            [tsched.LinearLR(opt, s, 1.0, W), tsched.CosineAnnealingLR(opt, T - W, min_lr)],
            milestones=[W],
        )

    return make


CASES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any], int]] = [
    ("StepLR", lambda o: gsched.StepLR(o, 3, 0.5), lambda o: tsched.StepLR(o, 3, 0.5), STEPS),
    ("StepLR-1", lambda o: gsched.StepLR(o, 1, 0.9), lambda o: tsched.StepLR(o, 1, 0.9), STEPS),
    (
        "MultiStepLR",
        lambda o: gsched.MultiStepLR(o, [11, 2, 5, 5], 0.3),
        lambda o: tsched.MultiStepLR(o, [11, 2, 5, 5], 0.3),
        STEPS,
    ),
    (
        "ExponentialLR",
        lambda o: gsched.ExponentialLR(o, 0.9),
        lambda o: tsched.ExponentialLR(o, 0.9),
        STEPS,
    ),
    (
        "CosineAnnealingLR",
        lambda o: gsched.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
        lambda o: tsched.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
        STEPS,  # four half-periods: down, up again, down, up (PyTorch's periodic form)
    ),
    (
        "CosineAnnealingLR-7",
        lambda o: gsched.CosineAnnealingLR(o, T_max=7),
        lambda o: tsched.CosineAnnealingLR(o, T_max=7),
        STEPS,
    ),
    (
        "LinearLR-warmup",
        lambda o: gsched.LinearLR(o, start_factor=0.1, total_iters=8),
        lambda o: tsched.LinearLR(o, start_factor=0.1, total_iters=8),
        STEPS,
    ),
    (
        "LinearLR-decay",
        lambda o: gsched.LinearLR(o, 1.0, 0.05, 10),
        lambda o: tsched.LinearLR(o, 1.0, 0.05, 10),
        STEPS,
    ),
    (
        "LinearLR-default",
        lambda o: gsched.LinearLR(o),
        lambda o: tsched.LinearLR(o),
        STEPS,
    ),
    (
        "LambdaLR",
        lambda o: gsched.LambdaLR(o, lambda t: 0.95**t),
        lambda o: tsched.LambdaLR(o, lambda t: 0.95**t),
        STEPS,
    ),
    (
        "LambdaLR-per-group",
        lambda o: gsched.LambdaLR(o, [lambda t: 1 / (1 + t), lambda t: 1 + math.sin(t)]),
        lambda o: tsched.LambdaLR(o, [lambda t: 1 / (1 + t), lambda t: 1 + math.sin(t)]),
        STEPS,
    ),
    (
        "WarmupCosineLR",
        lambda o: gsched.WarmupCosineLR(o, 5, 30, min_lr=1e-3, start_factor=0.1),
        _warmup_cosine_torch(5, 30, 1e-3, 0.1),
        31,  # up to total_steps: after it ours holds min_lr, torch's cosine rises again
    ),
    (
        "WarmupCosineLR-1",
        lambda o: gsched.WarmupCosineLR(o, 1, 26, min_lr=0.0, start_factor=0.5),
        _warmup_cosine_torch(1, 26, 0.0, 0.5),
        27,
    ),
]


@pytest.mark.parametrize("name, ours, theirs, steps", CASES, ids=[c[0] for c in CASES])
def test_lr_sequence_matches_torch(
    name: str, ours: Callable[[Any], Any], theirs: Callable[[Any], Any], steps: int
) -> None:
    got = lr_sequence(ours, _groundup_optimizer(), steps)
    expected = lr_sequence(theirs, _torch_optimizer(), steps)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)
    # the schedule changed the rate: a constant sequence would prove nothing
    assert len({tuple(lr) for lr in got}) > 2


@pytest.mark.parametrize("W, T, min_lr", [(0, 20, 0.0), (4, 12, 1e-4), (10, 11, 1e-2)])
def test_warmup_cosine_formula_and_tail(W: int, T: int, min_lr: float) -> None:
    """Start factor 0 (not allowed by torch's LinearLR), compared with a torch LambdaLR."""

    def factor(base: float) -> Callable[[int], float]:
        def f(t: int) -> float:
            if t < W:
                return t / W
            if t > T:
                return min_lr / base
            return (
                min_lr + (base - min_lr) * (1 + math.cos(math.pi * (t - W) / (T - W))) / 2
            ) / base

        return f

    got = lr_sequence(lambda o: gsched.WarmupCosineLR(o, W, T, min_lr), _groundup_optimizer())
    expected = lr_sequence(
        lambda o: tsched.LambdaLR(o, [factor(LRS[0]), factor(LRS[1])]), _torch_optimizer()
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)
    assert got[0] == ([0.0, 0.0] if W > 0 else list(LRS))
    assert got[T] == [min_lr, min_lr] == got[-1]


@pytest.mark.parametrize(
    "make",
    [
        lambda o: gsched.StepLR(o, 4, 0.5),
        lambda o: gsched.CosineAnnealingLR(o, 9, 1e-3),
        lambda o: gsched.WarmupCosineLR(o, 3, 20),
        lambda o: gsched.LambdaLR(o, lambda t: 0.9**t),
        lambda o: gsched.MultiStepLR(o, [3, 12]),
    ],
)
def test_state_dict_round_trip_continues_identically(make: Callable[[Any], Any]) -> None:
    full = lr_sequence(make, _groundup_optimizer(), 25)
    opt = _groundup_optimizer()
    sched = make(opt)
    for _ in range(10):
        sched.step()
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 10

    # PyTorch's order: build both, then load both (building a scheduler sets lr for t = 0)
    opt2 = _groundup_optimizer()
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    assert sched2.get_last_lr() == full[10]
    for t in range(10, 25):
        assert [g["lr"] for g in opt2.param_groups] == full[t]
        sched2.step()


def test_resume_with_last_epoch_needs_initial_lr() -> None:
    opt = _groundup_optimizer()
    with pytest.raises(KeyError, match=r"initial_lr' is not specified in param_groups\[0\]"):
        gsched.StepLR(opt, 2, last_epoch=5)
    gsched.StepLR(opt, 2, 0.5)  # records initial_lr
    resumed = gsched.StepLR(opt, 2, 0.5, last_epoch=5)
    assert resumed.last_epoch == 6
    assert resumed.get_last_lr() == [LRS[0] * 0.125, LRS[1] * 0.125]


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda o: gsched.StepLR(o, 0), ValueError, "step_size must be a positive integer, got 0"),
        (lambda o: gsched.CosineAnnealingLR(o, 0), ValueError, "T_max must be a positive"),
        (lambda o: gsched.LinearLR(o, start_factor=0.0), ValueError, "start_factor=0.0"),
        (lambda o: gsched.LinearLR(o, end_factor=1.5), ValueError, "end_factor=1.5"),
        (lambda o: gsched.WarmupCosineLR(o, 10, 10), ValueError, r"total_steps \(10\) must be"),
        (lambda o: gsched.WarmupCosineLR(o, -1, 10), ValueError, "warmup_steps must be >= 0"),
        (lambda o: gsched.LambdaLR(o, [lambda t: 1.0]), ValueError, "Expected 2 lr_lambdas"),
        (lambda o: gsched.StepLR("sgd", 2), TypeError, "str is not an Optimizer"),
    ],
)
def test_invalid_arguments(make: Callable[[Any], Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make(_groundup_optimizer())


SEQUENTIAL_CASES = [
    (
        lambda m, o: m.SequentialLR(
            o, [m.LinearLR(o, 0.1, total_iters=5), m.ExponentialLR(o, 0.9)], milestones=[5]
        )
    ),
    (
        lambda m, o: m.SequentialLR(
            o,
            [
                m.StepLR(o, 2, 0.5),
                m.CosineAnnealingLR(o, 8, 1e-3),
                m.LambdaLR(o, lambda t: 0.97**t),
            ],
            milestones=[6, 20],
        )
    ),
    (
        lambda m, o: m.SequentialLR(
            o, [m.ExponentialLR(o, 0.8), m.MultiStepLR(o, [3, 7], 0.5)], milestones=[1]
        )
    ),
]


@pytest.mark.parametrize("make", SEQUENTIAL_CASES)
def test_sequential_lr_matches_torch(make: Callable[[Any, Any], Any]) -> None:
    got = lr_sequence(lambda o: make(gsched, o), _groundup_optimizer())
    expected = lr_sequence(lambda o: make(tsched, o), _torch_optimizer())
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)


def test_sequential_lr_state_dict_and_errors() -> None:
    make = SEQUENTIAL_CASES[1]
    full = lr_sequence(lambda o: make(gsched, o), _groundup_optimizer(), 30)
    opt = _groundup_optimizer()
    sched = make(gsched, opt)
    for _ in range(12):
        sched.step()
    saved = sched.state_dict()
    assert len(saved["_schedulers"]) == 3 and saved["last_epoch"] == 12
    opt2 = _groundup_optimizer()
    sched2 = make(gsched, opt2)
    sched2.load_state_dict(saved)
    sched2.step()
    assert sched2.get_last_lr() == full[13]

    opt = _groundup_optimizer()
    a, b = gsched.StepLR(opt, 2), gsched.StepLR(_groundup_optimizer(), 2)
    with pytest.raises(ValueError, match="same optimizer, but got scheduler StepLR at index 1"):
        gsched.SequentialLR(opt, [a, b], milestones=[3])
    with pytest.raises(ValueError, match="2 schedulers and 2 milestones"):
        gsched.SequentialLR(opt, [a, gsched.StepLR(opt, 3)], milestones=[3, 5])


PLATEAU_METRICS = [
    5.0 - 0.1 * i + (0.3 if i % 4 == 0 else 0.0) if i < 20 else 3.0 + 0.01 * (i % 3)
    for i in range(60)
]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(patience=2, factor=0.5),
        dict(patience=0, factor=0.7, cooldown=2),
        dict(patience=3, threshold=0.05, threshold_mode="abs", min_lr=[0.01, 0.002]),
        dict(mode="max", patience=1, factor=0.5, cooldown=1, min_lr=1e-3),
        dict(mode="max", patience=2, threshold=0.01, threshold_mode="rel", eps=1e-2),
    ],
    ids=str,
)
def test_reduce_lr_on_plateau_matches_torch(kwargs: dict[str, Any]) -> None:
    metrics = (
        [10.0 - m for m in PLATEAU_METRICS] if kwargs.get("mode") == "max" else PLATEAU_METRICS
    )

    def seq(opt: Any, sched: Any) -> list[list[float]]:
        out = []
        for m in metrics:
            opt.step()
            sched.step(m)
            out.append([g["lr"] for g in opt.param_groups])
            assert sched.get_last_lr() == out[-1]
        return out

    opt, topt = _groundup_optimizer(), _torch_optimizer()
    got = seq(opt, gsched.ReduceLROnPlateau(opt, **kwargs))
    expected = seq(topt, tsched.ReduceLROnPlateau(topt, **kwargs))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got[-1] != [LRS[0], LRS[1]]  # it reduced


def test_reduce_lr_on_plateau_errors() -> None:
    opt = _groundup_optimizer()
    with pytest.raises(ValueError, match=r"Factor should be < 1\.0, got 1\.5"):
        gsched.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode 'up' is unknown"):
        gsched.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        gsched.ReduceLROnPlateau(opt, min_lr=[0.1])
