"""DCGAN: layer shapes and outputs against PyTorch twins (weights copied), the N(0, 0.02)
initialisation, BatchNorm where the paper puts it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from groundup import Tensor
from groundup.generative.gans import DCGANDiscriminator, DCGANGenerator
from groundup.generative.gans.dcgan import num_doublings
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.conv.transposed_conv import ConvTranspose2d
from groundup.nn_core.normalization.batchnorm import BatchNorm2d
from tests.helpers import assert_close


def torch_generator(nz: int, ngf: int, c: int, size: int) -> nn.Sequential:
    """pytorch/examples' DCGAN generator, resized: 1x1 -> 7x7 -> 14 -> 28 (or 4 -> 8 -> 16 -> 32)."""
    if size == 28:
        return nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
            nn.ConvTranspose2d(ngf, c, 4, 2, 1), nn.Tanh(),
        )  # fmt: skip
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
        nn.ConvTranspose2d(ngf, c, 4, 2, 1), nn.Tanh(),
    )  # fmt: skip


def torch_discriminator(c: int, ndf: int, size: int) -> nn.Sequential:
    if size == 28:
        return nn.Sequential(
            nn.Conv2d(c, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0),
        )  # fmt: skip
    return nn.Sequential(
        nn.Conv2d(c, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf * 4, 1, 4, 1, 0),
    )  # fmt: skip


def _copy_into(ours, theirs: nn.Module) -> None:
    """Copy our parameters into the twin, checking that every shape matches, layer by layer."""
    ours_p = [(n, p) for n, p in ours.named_parameters()]
    theirs_p = list(theirs.named_parameters())
    assert [tuple(p.shape) for _, p in ours_p] == [tuple(p.shape) for _, p in theirs_p]
    with torch.no_grad():
        for (_, p), (_, t) in zip(ours_p, theirs_p):
            t.copy_(torch.tensor(p.data))


def _layer_shapes(seq, x):
    shapes = []
    for layer in seq:
        x = layer(x)
        shapes.append(tuple(x.shape))
    return shapes


@pytest.mark.parametrize(("size", "channels"), [(28, 1), (32, 3)])
def test_generator_matches_its_torch_twin_layer_by_layer(size, channels):
    rng = np.random.default_rng(0)
    G = DCGANGenerator(
        latent_dim=6, base_channels=4, out_channels=channels, image_size=size, generator=rng
    ).double()
    twin = torch_generator(6, 4, channels, size).double()
    _copy_into(G, twin)
    z = rng.normal(size=(3, 6))
    zt = torch.tensor(z).reshape(3, 6, 1, 1)
    with torch.no_grad():
        expected_shapes = _layer_shapes(twin, zt)
    assert _layer_shapes(G.net, Tensor(z).reshape(3, 6, 1, 1)) == expected_shapes
    assert expected_shapes[-1] == (3, channels, size, size)
    # values and parameter gradients in train mode (batch statistics)
    zg = Tensor(z, requires_grad=True)
    out, out_t = G(zg), twin(zt.requires_grad_(True))
    assert_close(out, out_t)
    w = rng.normal(size=out.shape)
    (out * Tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for (n, p), (_, t) in zip(G.named_parameters(), twin.named_parameters()):
        assert_close(p.grad, t.grad, rtol=1e-6, atol=1e-9, msg=n)


@pytest.mark.parametrize(("size", "channels"), [(28, 1), (32, 3)])
def test_discriminator_matches_its_torch_twin_layer_by_layer(size, channels):
    rng = np.random.default_rng(1)
    D = DCGANDiscriminator(channels, 4, size, generator=rng).double()
    twin = torch_discriminator(channels, 4, size).double()
    _copy_into(D, twin)
    x = rng.uniform(-1, 1, size=(3, channels, size, size))
    with torch.no_grad():
        expected_shapes = _layer_shapes(twin, torch.tensor(x))
    assert _layer_shapes(D.net, Tensor(x)) == expected_shapes
    assert expected_shapes[-1] == (3, 1, 1, 1)
    xg, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, out_t = D(xg), twin(xt).reshape(-1)
    assert_close(out, out_t)
    out.sum().backward()
    out_t.sum().backward()
    assert_close(xg.grad, xt.grad)


def test_initialisation_is_normal_0_02_and_batch_norm_sits_where_the_paper_puts_it():
    rng = np.random.default_rng(2)
    G, D = DCGANGenerator(64, 32, generator=rng), DCGANDiscriminator(1, 32, generator=rng)
    weights = np.concatenate(
        [
            m.weight.data.ravel()
            for net in (G, D)
            for m in net.modules()
            if isinstance(m, Conv2d | ConvTranspose2d)
        ]
    )
    assert abs(weights.mean()) < 1e-3 and weights.std() == pytest.approx(0.02, rel=0.02)
    bn_scale = np.concatenate(
        [m.weight.data for net in (G, D) for m in net.modules() if isinstance(m, BatchNorm2d)]
    )
    assert bn_scale.mean() == pytest.approx(1.0, abs=0.01) and bn_scale.std() == pytest.approx(
        0.02, rel=0.2
    )
    biases = [
        m.bias.data for net in (G, D) for m in net.modules() if getattr(m, "bias", None) is not None
    ]
    assert all(np.all(b == 0) for b in biases)
    # BatchNorm: after every G layer but the output; after every D layer but the input
    kinds = [type(m).__name__ for m in G.net]
    assert kinds == ["ConvTranspose2d", "BatchNorm2d", "ReLU", "ConvTranspose2d", "BatchNorm2d", "ReLU", "ConvTranspose2d", "Tanh"]  # fmt: skip
    kinds = [type(m).__name__ for m in D.net]
    assert kinds == ["Conv2d", "LeakyReLU", "Conv2d", "BatchNorm2d", "LeakyReLU", "Conv2d"]
    assert not any(
        isinstance(m, BatchNorm2d) for m in DCGANDiscriminator(1, 4, batch_norm=False).modules()
    )


def test_sizes_and_bad_input():
    assert [num_doublings(s) for s in (28, 32, 64, 12, 6)] == [2, 3, 4, 2, 1]
    with pytest.raises(ValueError, match="image_size"):
        num_doublings(7)
    with pytest.raises(ValueError, match=r"z must have shape \(B, 8\), got \(2, 9\)"):
        DCGANGenerator(8, 4)(Tensor(np.zeros((2, 9), np.float32)))
    with pytest.raises(
        ValueError, match=r"expected images of shape \(B, 1, 28, 28\), got \(2, 784\)"
    ):
        DCGANDiscriminator(1, 4)(Tensor(np.zeros((2, 784), np.float32)))
