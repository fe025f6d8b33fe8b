"""Saliency, gradient x input, integrated gradients, LIME and activation maximisation.

References: PyTorch autograd and Captum (IntegratedGradients, Saliency, InputXGradient)
on a PyTorch twin of LeNet with the same float64 weights; exact values on linear models.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import InputXGradient, IntegratedGradients, Saliency

from groundup import Tensor
from groundup.architectures.lenet import LeNet5
from groundup.interpretability.attribution import (
    METHODS,
    activation_maximization,
    gaussian_blur,
    gradient_x_input,
    grid_segments,
    integrated_gradients,
    lime_image,
    path_rule,
    saliency,
)
from groundup.nn_core.layers.linear import Linear
from tests.architectures.torch_twins import TorchLeNet5, to_torch_state


def _twins() -> tuple[LeNet5, TorchLeNet5]:
    net = LeNet5(dtype=np.float64, generator=np.random.default_rng(0))
    twin = TorchLeNet5().double()
    twin.load_state_dict(to_torch_state(net))
    return net, twin


X = np.random.default_rng(1).uniform(0, 1, size=(3, 1, 28, 28))
TARGET = np.array([3, 0, 7])


def test_saliency_and_gradient_x_input_match_autograd_and_captum() -> None:
    net, twin = _twins()
    xt = torch.from_numpy(X).requires_grad_(True)
    twin(xt)[torch.arange(3), torch.from_numpy(TARGET)].sum().backward()
    np.testing.assert_allclose(
        saliency(net, X, TARGET, abs=False), xt.grad.numpy(), rtol=1e-9, atol=1e-14
    )
    ours = saliency(net, X, TARGET)
    x_in = torch.from_numpy(X).requires_grad_(True)
    theirs = Saliency(twin).attribute(x_in, target=torch.from_numpy(TARGET))
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-14)
    assert ours.min() >= 0
    gxi = InputXGradient(twin).attribute(x_in, target=torch.from_numpy(TARGET))
    np.testing.assert_allclose(
        gradient_x_input(net, X, TARGET), gxi.detach().numpy(), rtol=1e-9, atol=1e-14
    )


@pytest.mark.parametrize("method", METHODS)
def test_integrated_gradients_match_captum(method: str) -> None:
    net, twin = _twins()
    baseline = np.random.default_rng(2).uniform(0, 0.2, size=X.shape)
    ours, delta = integrated_gradients(
        net,
        X,
        TARGET,
        baseline,
        n_steps=16,
        method=method,
        batch_size=5,
        return_convergence_delta=True,
    )
    ig = IntegratedGradients(twin)
    theirs, their_delta = ig.attribute(
        torch.from_numpy(X),
        torch.from_numpy(baseline),
        target=torch.from_numpy(TARGET),
        n_steps=16,
        method=method,
        return_convergence_delta=True,
    )
    theirs = theirs.numpy()
    if method == "riemann_trapezoid":
        # Captum's trapezoid weights are 1/n (halved at the ends), which sum to (n-1)/n,
        # not 1: its IG is ours times 15/16 here, and loses completeness (test below)
        ours, delta = ours * 15 / 16, None
    # Captum casts its step sizes to float32 (`torch.tensor(step_sizes).float()`): exact for
    # the 1/16 of the Riemann rules, rounded (relative 6e-8) for trapezoid and Gauss-Legendre
    # (and its points come from torch.linspace in float32: k/15 is rounded too)
    exact_weights = method in ("riemann_left", "riemann_right", "riemann_middle")
    atol = 1e-14 if exact_weights else 1e-7 * np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=atol)
    if delta is not None:
        np.testing.assert_allclose(delta, their_delta.numpy(), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_integrated_gradients_of_a_linear_model_is_w_times_displacement(method: str) -> None:
    f = Linear(6, 4, generator=np.random.default_rng(3)).double()
    x = np.random.default_rng(4).standard_normal((5, 6))
    x0 = np.random.default_rng(5).standard_normal((5, 6))
    t = np.array([0, 1, 2, 3, 1])
    ig = integrated_gradients(f, x, t, x0, n_steps=7, method=method)
    np.testing.assert_allclose(ig, f.weight.data[t] * (x - x0), rtol=1e-12, atol=1e-14)


def test_completeness_on_lenet_and_the_quadrature_rules() -> None:
    net, _ = _twins()
    coarse = integrated_gradients(net, X, TARGET, n_steps=4, return_convergence_delta=True)[1]
    ig, delta = integrated_gradients(net, X, TARGET, n_steps=128, return_convergence_delta=True)
    rows = np.arange(3)
    gap = net(Tensor(X)).data[rows, TARGET] - net(Tensor(np.zeros_like(X))).data[rows, TARGET]
    # sum IG = F(x) - F(x') up to the quadrature error, which shrinks with more points
    assert np.all(np.abs(delta) < 1e-2 * np.abs(gap).max())
    assert np.abs(delta).max() < np.abs(coarse).max()
    np.testing.assert_allclose(ig.reshape(3, -1).sum(1), gap + delta, rtol=1e-10)
    # Gauss-Legendre with m points integrates polynomials of degree < 2m exactly
    a, w = path_rule(3, "gausslegendre")
    assert w @ a**5 == pytest.approx(1 / 6, rel=1e-14) and w.sum() == pytest.approx(1.0)
    for method in METHODS:
        assert path_rule(5, method)[1].sum() == pytest.approx(1.0, rel=1e-14)
    with pytest.raises(ValueError, match="method must be one of"):
        path_rule(5, "simpson")
    with pytest.raises(ValueError, match="n_steps must be >= 1"):
        integrated_gradients(net, X, TARGET, n_steps=0)
    with pytest.raises(ValueError, match=r"target .* does not index"):
        saliency(net, X, 10)


def test_lime_recovers_a_model_that_is_linear_in_its_superpixels() -> None:
    seg = grid_segments(8, 8, cells=4)
    assert seg.shape == (8, 8) and set(np.unique(seg)) == set(range(16)) and seg[0, 2] == 1
    c = np.random.default_rng(6).standard_normal(16)
    # F(x) = sum_s c_s * (pixel sum of cell s); hiding a cell (zeros) removes its term
    onehot = (seg.ravel()[None, :] == np.arange(16)[:, None]).astype(np.float64)  # (16, 64)
    f = Linear(64, 1, bias=False).double()
    f.weight.data[...] = (c @ onehot)[None]
    model = lambda t: f(t.reshape(t.shape[0], 64))  # noqa: E731
    image = np.random.default_rng(7).uniform(0.5, 1, size=(1, 8, 8))
    beta, heat = lime_image(model, image, 0, seg, num_samples=300, ridge=1e-8, generator=0)
    cell_sums = onehot @ image.ravel()
    np.testing.assert_allclose(beta, c * cell_sums, rtol=1e-5, atol=1e-6)
    assert heat.shape == (8, 8) and heat[0, 0] == beta[0]
    # the same seed gives the same explanation
    assert np.array_equal(beta, lime_image(model, image, 0, seg, 300, ridge=1e-8, generator=0)[0])


def test_activation_maximisation_of_a_linear_score_is_w_over_two_lambda() -> None:
    f = Linear(5, 3, generator=np.random.default_rng(8)).double()
    lam = 0.5
    x = activation_maximization(f, (5,), target=2, l2=lam, lr=0.1, steps=400)
    np.testing.assert_allclose(x, f.weight.data[2] / (2 * lam), rtol=1e-10)
    # with a clip the optimum is the clipped one (the objective is separable)
    xc = activation_maximization(f, (5,), target=2, l2=lam, lr=0.1, steps=400, clip=(0, 0.1))
    np.testing.assert_allclose(xc, np.clip(f.weight.data[2] / (2 * lam), 0, 0.1), rtol=1e-10)
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        activation_maximization(f, (5,), 0, l2=-1)


def test_blur_keeps_the_mean_of_a_constant_and_smooths_noise() -> None:
    const = np.full((1, 9, 9), 0.3)
    np.testing.assert_allclose(gaussian_blur(const, 1.0), const, rtol=1e-12)
    noise = np.random.default_rng(9).standard_normal((1, 16, 16))
    assert gaussian_blur(noise, 1.0).std() < 0.5 * noise.std()
    net, _ = _twins()
    img = activation_maximization(net, (1, 28, 28), 4, l2=0.05, steps=20, blur_sigma=1.0)
    assert img.shape == (1, 28, 28)
    score = lambda z: net(Tensor(z[None])).data[0, 4]  # noqa: E731
    assert score(img) > score(np.zeros((1, 28, 28)))
