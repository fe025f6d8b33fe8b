"""Every optimiser against torch.optim: the same parameter trajectory for 25 steps.

The problem is a small MLP-like regression with parameters of several shapes, one of
which never receives a gradient (it must stay put and get no state). Gradients come from
each library's own autograd; the trajectories are compared after every step in float64
at rtol 1e-6, for every combination of the options each optimiser has.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.optimization import optimizers as gopt
from tests.helpers import assert_close

STEPS = 25
_rng = np.random.default_rng(0)
X = _rng.standard_normal((6, 4))
Y = _rng.standard_normal(6)
INIT = [
    _rng.standard_normal((4, 5)) * 0.5,  # W1
    _rng.standard_normal(5) * 0.1,  # b1
    _rng.standard_normal(5),  # w2
    _rng.standard_normal((1,)),  # c
    _rng.standard_normal((2, 3)),  # unused: grad stays None
]


def _loss(params: list[Any], x: Any, y: Any) -> Any:
    """$L = \\mathrm{mean}((\\tanh(X W_1 + b_1) w_2 + c - y)^2) + \\mathrm{sum}(c^2 w_2^2)/10$."""
    W1, b1, w2, c, _ = params
    r = (x @ W1 + b1).tanh() @ w2 + c - y
    return (r * r).mean() + (c * c * w2 * w2).sum() / 10


def run(
    lib: str,
    make_opt: Callable[[list[Any]], Any],
    steps: int = STEPS,
    dtype: Any = np.float64,
    sign: float = 1.0,
) -> tuple[list[list[np.ndarray]], Any, list[Any]]:
    """Train ``steps`` steps; return the parameters after each step, the optimiser, the params.

    ``sign=-1`` differentiates $-L$ (for ``maximize=True``, which then still descends $L$).
    """
    if lib == "groundup":
        params = [Tensor(a.astype(dtype), requires_grad=True) for a in INIT]
        x, y = Tensor(X.astype(dtype)), Tensor(Y.astype(dtype))
    else:
        params = [torch.tensor(a.astype(dtype), requires_grad=True) for a in INIT]
        x, y = torch.tensor(X.astype(dtype)), torch.tensor(Y.astype(dtype))
    opt = make_opt(params)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        (sign * _loss(params, x, y)).backward()
        opt.step()
        traj.append([np.array(p.detach().numpy() if lib == "torch" else p.data) for p in params])
    return traj, opt, params


def assert_same_trajectory(ours: list[list[np.ndarray]], theirs: list[list[np.ndarray]]) -> None:
    for t, (a_step, b_step) in enumerate(zip(ours, theirs)):
        for i, (a, b) in enumerate(zip(a_step, b_step)):
            assert_close(a, b, msg=f"step {t + 1}, parameter {i}")
    assert len(ours) == len(theirs) == STEPS or len(ours) == len(theirs)


def _compare(name: str, kwargs: dict[str, Any], dtype: Any = np.float64) -> None:
    sign = -1.0 if kwargs.get("maximize") else 1.0
    ours, _, params = run(
        "groundup", lambda p: getattr(gopt, name)(p, **kwargs), dtype=dtype, sign=sign
    )
    theirs, _, _ = run(
        "torch", lambda p: getattr(torch.optim, name)(p, **kwargs), dtype=dtype, sign=sign
    )
    assert_same_trajectory(ours, theirs)
    assert params[-1].grad is None
    np.testing.assert_array_equal(params[-1].data, INIT[-1].astype(dtype))
    # the run moved the parameters: a comparison of two no-ops would prove nothing
    assert not np.allclose(ours[-1][0], INIT[0])


def _product(**options: list[Any]) -> list[dict[str, Any]]:
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


SGD_CASES = [
    kw
    for kw in _product(
        lr=[0.05],
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.3],
        nesterov=[False, True],
        weight_decay=[0.0, 0.05],
        maximize=[False, True],
    )
    if not kw["nesterov"] or (kw["momentum"] > 0 and kw["dampening"] == 0)
]
ADAM_CASES = _product(
    lr=[0.01],
    betas=[(0.9, 0.999), (0.8, 0.95)],
    eps=[1e-8],
    weight_decay=[0.0, 0.1],
    amsgrad=[False, True],
    maximize=[False, True],
)
RMSPROP_CASES = _product(
    lr=[0.01],
    alpha=[0.99, 0.9],
    momentum=[0.0, 0.5],
    centered=[False, True],
    weight_decay=[0.0, 0.1],
    maximize=[False, True],
)
ADAGRAD_CASES = _product(
    lr=[0.05],
    lr_decay=[0.0, 0.1],
    weight_decay=[0.0, 0.1],
    initial_accumulator_value=[0.0, 0.5],
    maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(kwargs: dict[str, Any]) -> None:
    _compare("SGD", kwargs)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_and_adamw_match_torch(name: str, kwargs: dict[str, Any]) -> None:
    _compare(name, kwargs)


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_torch(kwargs: dict[str, Any]) -> None:
    _compare("RMSprop", kwargs)


@pytest.mark.parametrize("kwargs", ADAGRAD_CASES, ids=str)
def test_adagrad_matches_torch(kwargs: dict[str, Any]) -> None:
    _compare("Adagrad", kwargs)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("AdamW", dict(lr=0.01)),
        ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
        ("Adagrad", dict(lr=0.05, lr_decay=0.1)),
    ],
)
def test_float32_matches_torch_and_stays_float32(name: str, kwargs: dict[str, Any]) -> None:
    ours, opt, params = run(
        "groundup", lambda p: getattr(gopt, name)(p, **kwargs), dtype=np.float32
    )
    theirs, _, _ = run("torch", lambda p: getattr(torch.optim, name)(p, **kwargs), dtype=np.float32)
    assert_same_trajectory(ours, theirs)
    assert all(p.dtype == np.float32 for p in params)
    for state in opt.state.values():
        assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))


def test_momentum_and_nesterov_conveniences_are_sgd_with_the_option() -> None:
    ours, _, _ = run("groundup", lambda p: gopt.Momentum(p, lr=0.05, momentum=0.8, dampening=0.1))
    theirs, _, _ = run("torch", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.1))
    assert_same_trajectory(ours, theirs)
    ours, _, _ = run("groundup", lambda p: gopt.NesterovMomentum(p, lr=0.05, momentum=0.8))
    theirs, _, _ = run("torch", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True))
    assert_same_trajectory(ours, theirs)


def test_momentum_rules_on_arrays() -> None:
    # Constant gradient: the velocity tends to g (1 - tau) / (1 - mu).
    b = None
    g = np.array([2.0, -1.0])
    for _ in range(400):
        b = gopt.heavy_ball(b, g, momentum=0.9, dampening=0.5)
    np.testing.assert_allclose(b, g * 0.5 / 0.1 + (g - g * 0.5 / 0.1) * 0.9**399, rtol=1e-12)
    np.testing.assert_allclose(gopt.nesterov_direction(g, b, 0.9), g + 0.9 * b)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("Adam", dict(lr=0.01, weight_decay=0.1)),
        ("AdamW", dict(lr=0.01, amsgrad=True)),
        ("RMSprop", dict(lr=0.01, momentum=0.3, centered=True)),
        ("Adagrad", dict(lr=0.05, weight_decay=0.1)),
    ],
)
def test_param_groups_with_different_hyperparameters(name: str, kwargs: dict[str, Any]) -> None:
    def groups(cls: Any) -> Callable[[list[Any]], Any]:
        def make(p: list[Any]) -> Any:
            return cls(
                [{"params": p[:2]}, {"params": p[2:], "lr": kwargs["lr"] / 7, "weight_decay": 0.2}],
                **kwargs,
            )

        return make

    ours, opt, _ = run("groundup", groups(getattr(gopt, name)))
    theirs, topt, _ = run("torch", groups(getattr(torch.optim, name)))
    assert_same_trajectory(ours, theirs)
    assert [g["lr"] for g in opt.param_groups] == [kwargs["lr"], kwargs["lr"] / 7]
    assert [g["weight_decay"] for g in opt.param_groups] == [
        g["weight_decay"] for g in topt.param_groups
    ]
    assert opt.param_groups[1]["weight_decay"] == 0.2


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("AdamW", dict(lr=0.01)),
        ("RMSprop", dict(lr=0.01, momentum=0.3, centered=True)),
        ("Adagrad", dict(lr=0.05, lr_decay=0.05)),
    ],
)
def test_state_dict_round_trip_continues_identically(name: str, kwargs: dict[str, Any]) -> None:
    cls = getattr(gopt, name)
    full, _, _ = run("groundup", lambda p: cls(p, **kwargs), steps=STEPS)
    _, opt, params = run("groundup", lambda p: cls(p, **kwargs), steps=10)
    saved = opt.state_dict()
    # the saved state is a copy: more steps on the old optimiser do not change it
    snapshot = {k: {n: np.copy(v) for n, v in s.items()} for k, s in saved["state"].items()}
    resumed = [Tensor(p.data.copy(), requires_grad=True) for p in params]
    for p in params:
        p.grad = Tensor(np.ones_like(p.data))
    opt.step()
    for k, s in saved["state"].items():
        for n, v in s.items():
            np.testing.assert_array_equal(v, snapshot[k][n])

    opt2 = cls(resumed, lr=123.0)  # hyper-parameters come from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    x, y = Tensor(X), Tensor(Y)
    for t in range(10, STEPS):
        opt2.zero_grad()
        _loss(resumed, x, y).backward()
        opt2.step()
        for i, p in enumerate(resumed):
            np.testing.assert_array_equal(p.data, full[t][i], err_msg=f"step {t + 1}, param {i}")

    # the same layout as torch's state_dict: parameter indices, state names, group keys
    _, topt, _ = run("torch", lambda p: getattr(torch.optim, name)(p, **kwargs), steps=10)
    tsaved = topt.state_dict()
    assert sorted(saved["state"]) == sorted(tsaved["state"])
    for k in saved["state"]:
        assert sorted(saved["state"][k]) == sorted(tsaved["state"][k])
    for g, tg in zip(saved["param_groups"], tsaved["param_groups"]):
        assert g["params"] == tg["params"]
        assert set(g) <= set(tg)


def test_zero_grad_set_to_none_or_zeros() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    opt = gopt.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.data, np.zeros(3))
    opt.zero_grad()
    assert w.grad is None


def test_add_param_group_fills_defaults() -> None:
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    opt = gopt.Adam([a], lr=0.01, betas=(0.8, 0.9))
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["betas"] == (0.8, 0.9)
    assert opt.param_groups[1]["params"] == [b]


def test_closure_is_evaluated_and_its_loss_returned() -> None:
    w = Tensor(np.array([3.0]), requires_grad=True)
    opt = gopt.SGD([w], lr=0.25)

    def closure() -> Any:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    assert w.item() == 1.5  # 3 - 0.25 * 6


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: gopt.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: gopt.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
        (lambda p: gopt.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
        (lambda p: gopt.SGD(p, 0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
        (lambda p: gopt.Adam(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
        (lambda p: gopt.Adam(p, eps=-1.0), "Invalid epsilon value"),
        (lambda p: gopt.AdamW(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (lambda p: gopt.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
        (lambda p: gopt.Adagrad(p, lr_decay=-1.0), "Invalid lr_decay value"),
        (lambda p: gopt.SGD([], lr=0.1), "empty parameter list"),
        (lambda p: gopt.SGD([p[0], p[0]], lr=0.1), "more than one parameter group"),
        (lambda p: gopt.SGD([{"params": p[:1]}, {"params": p}], lr=0.1), "more than one"),
    ],
)
def test_invalid_arguments_are_clear_errors(make: Callable[[Any], Any], match: str) -> None:
    params = [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]
    with pytest.raises(ValueError, match=match):
        make(params)


def test_bad_params_types() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        gopt.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        gopt.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        gopt.SGD([w * 2], lr=0.1)


def test_load_state_dict_mismatch_is_a_clear_error() -> None:
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    opt = gopt.Adam([a, b], lr=0.1)
    other = gopt.Adam([a], lr=0.1)
    with pytest.raises(ValueError, match=r"group 0 of 2 parameters .* \(1 parameters\)"):
        other.load_state_dict(opt.state_dict())
    two_groups = gopt.Adam([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="2 parameter groups, but this optimizer has 1"):
        other.load_state_dict(two_groups.state_dict())
    (a.sum() + b.sum()).backward()
    opt.step()
    swapped = gopt.Adam([b, a], lr=0.1)
    with pytest.raises(ValueError, match=r"shape \(2,\) for a parameter of shape \(3,\)"):
        swapped.load_state_dict(opt.state_dict())


def test_load_state_dict_accepts_a_json_shaped_checkpoint() -> None:
    """String parameter indices and lists for tuples, as a JSON + .npz checkpoint gives back."""
    full, _, _ = run("groundup", lambda p: gopt.Adam(p, lr=0.01, amsgrad=True))
    _, opt, params = run("groundup", lambda p: gopt.Adam(p, lr=0.01, amsgrad=True), steps=5)
    saved = opt.state_dict()
    saved = {
        "state": {str(k): v for k, v in saved["state"].items()},
        "param_groups": [
            {k: list(v) if isinstance(v, tuple) else v for k, v in g.items()}
            for g in saved["param_groups"]
        ],
    }
    resumed = [Tensor(p.data.copy(), requires_grad=True) for p in params]
    opt2 = gopt.Adam(resumed)
    opt2.load_state_dict(saved)
    x, y = Tensor(X), Tensor(Y)
    for _ in range(5, STEPS):
        opt2.zero_grad()
        _loss(resumed, x, y).backward()
        opt2.step()
    for p, expected in zip(resumed, full[-1]):
        np.testing.assert_array_equal(p.data, expected)


def test_pytorch_nesterov_tracks_the_look_ahead_point_of_sutskevers_form() -> None:
    """The claim of momentum.py: PyTorch's parameters are Sutskever's theta + mu v."""
    A = np.array([[3.0, 0.5], [0.5, 1.0]])  # f(theta) = theta^T A theta / 2, grad = A theta
    mu, eta = 0.9, 0.05
    theta, v = np.array([1.0, -2.0]), np.zeros(2)
    w = Tensor(theta.copy(), requires_grad=True)  # starts at theta + mu v = theta
    opt = gopt.NesterovMomentum([w], lr=eta, momentum=mu)
    for _ in range(STEPS):
        v = mu * v - eta * A @ (theta + mu * v)
        theta = theta + v
        opt.zero_grad()
        (w @ Tensor(A) @ w / 2).backward()
        opt.step()
        np.testing.assert_allclose(w.data, theta + mu * v, rtol=1e-12)


def test_pytorch_heavy_ball_equals_the_classical_form_at_constant_lr() -> None:
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    mu, eta = 0.9, 0.05
    theta, v = np.array([1.0, -2.0]), np.zeros(2)
    w = Tensor(theta.copy(), requires_grad=True)
    opt = gopt.Momentum([w], lr=eta, momentum=mu)
    for _ in range(STEPS):
        v = mu * v - eta * A @ theta  # v = -eta b
        theta = theta + v
        opt.zero_grad()
        (w @ Tensor(A) @ w / 2).backward()
        opt.step()
        np.testing.assert_allclose(w.data, theta, rtol=1e-12)
