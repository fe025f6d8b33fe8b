"""FGSM, PGD and the adversarial loss: budgets, projections, and FGSM against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.architectures.lenet import LeNet5
from groundup.interpretability.adversarial import (
    accuracy,
    adversarial_loss,
    fgsm,
    input_gradient,
    pgd,
)
from groundup.nn_core.layers.linear import Linear
from groundup.optimization.losses.cross_entropy import cross_entropy
from tests.architectures.torch_twins import TorchLeNet5, to_torch_state


def _lenet() -> LeNet5:
    return LeNet5(dtype=np.float64, generator=np.random.default_rng(0))


def _images(n: int = 6, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, 1, 28, 28))
    x[:, :, :4] = 0.0  # saturated pixels: FGSM must clip them
    x[:, :, -4:] = 1.0
    return x, rng.integers(0, 10, size=n)


def _loss(model, x, y) -> float:
    return float(cross_entropy(model(Tensor(x)), Tensor(y)).item())


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
def test_fgsm_moves_every_interior_pixel_by_exactly_eps_and_stays_in_range(eps: float) -> None:
    net = _lenet()
    x, y = _images()
    x_adv = fgsm(net, x, y, eps)
    delta = x_adv - x
    assert x_adv.dtype == x.dtype and x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    assert np.abs(delta).max() == pytest.approx(eps, rel=1e-12)
    # where the ball fits inside [0, 1] and the gradient is not zero, |delta| = eps exactly
    g = input_gradient(net, x, y)
    interior = (x >= eps) & (x <= 1 - eps) & (g != 0)
    assert interior.sum() > 1000
    np.testing.assert_allclose(np.abs(delta[interior]), eps, rtol=1e-12)
    assert np.array_equal(np.sign(delta[interior]), np.sign(g[interior]))
    assert _loss(net, x_adv, y) > _loss(net, x, y)
    assert np.array_equal(fgsm(net, x, y, 0.0), x)


def test_fgsm_matches_pytorch_on_a_twin_lenet() -> None:
    net = _lenet()
    twin = TorchLeNet5().double()
    twin.load_state_dict(to_torch_state(net))
    x, y = _images(4, seed=3)
    xt = torch.from_numpy(x).requires_grad_(True)
    torch.nn.functional.cross_entropy(twin(xt), torch.from_numpy(y), reduction="sum").backward()
    g_t = xt.grad.numpy()
    np.testing.assert_allclose(input_gradient(net, x, y), g_t, rtol=1e-9, atol=1e-14)
    # the pytorch tutorial's attack: clamp(x + eps * sign(grad), 0, 1)
    ref = torch.clamp(xt + 0.1 * xt.grad.sign(), 0, 1).detach().numpy()
    assert np.array_equal(fgsm(net, x, y, 0.1), ref)


def test_pgd_never_leaves_the_ball_and_beats_fgsm() -> None:
    net = _lenet()
    x, y = _images()
    eps = 0.1
    iterates = []
    x_adv = pgd(net, x, y, eps, steps=8, generator=0, callback=lambda t, xt: iterates.append(xt))
    assert len(iterates) == 9 and np.array_equal(iterates[-1], x_adv)
    for xt in iterates:
        assert np.abs(xt - x).max() <= eps + 1e-15
        assert xt.min() >= 0.0 and xt.max() <= 1.0
    assert not np.array_equal(iterates[0], x)  # the random start moved
    assert _loss(net, x_adv, y) > _loss(net, fgsm(net, x, y, eps), y)
    # one step of size eps from x, no random start: FGSM exactly
    one = pgd(net, x, y, eps, alpha=eps, steps=1, random_start=False)
    assert np.array_equal(one, fgsm(net, x, y, eps))
    # a big step is projected back onto the ball's faces
    big = pgd(net, x, y, eps, alpha=1.0, steps=3, generator=1)
    assert np.abs(big - x).max() == pytest.approx(eps, rel=1e-12)
    # the same generator gives the same attack
    assert np.array_equal(
        pgd(net, x, y, eps, steps=2, generator=5), pgd(net, x, y, eps, steps=2, generator=5)
    )


def test_linear_model_fgsm_is_the_exact_maximiser_of_the_linearised_loss() -> None:
    net = Linear(5, 3, generator=np.random.default_rng(2)).double()
    x = np.full((1, 5), 0.5)
    y = np.array([1])
    g = input_gradient(net, x, y)
    # every other corner of the ball raises the first-order loss by less
    corners = np.array(np.meshgrid(*[[-1, 1]] * 5)).reshape(5, -1).T * 0.1  # (32, 5)
    best = max(float(g[0] @ c) for c in corners)
    assert float(g[0] @ (fgsm(net, x, y, 0.1) - x)[0]) == pytest.approx(best, rel=1e-12)


def test_bad_budgets_and_the_adversarial_loss() -> None:
    net = _lenet()
    x, y = _images(2)
    with pytest.raises(ValueError, match=r"eps must be a finite number >= 0, got -0\.1"):
        fgsm(net, x, y, -0.1)
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        pgd(net, x, y, 0.1, steps=0)
    with pytest.raises(ValueError, match="alpha must be"):
        pgd(net, x, y, 0.1, alpha=float("nan"))
    fgsm(net, x, y, 0.1)
    pgd(net, x, y, 0.1, steps=2)
    assert all(p.grad is None for p in net.parameters())  # attacks leave the weights' .grad
    loss = adversarial_loss(net, x, y, 0.1, steps=2, generator=0)
    assert loss.item() > _loss(net, x, y)
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())
    assert accuracy(net, x, y) in (0.0, 0.5, 1.0)
