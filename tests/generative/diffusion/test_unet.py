"""The diffusion U-Net: shapes, its time embedding against the formula, the whole network against a
PyTorch twin with the same weights (values and gradients), the label's null row, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor
from groundup.generative.diffusion import DiffusionUNet, TimeEmbedding
from groundup.generative.diffusion.ddpm import timestep_embedding


def _float64(net):
    for v in net.parameters():
        v.data = v.data.astype(np.float64)
    return net


def _randomise(net, rng):
    """Non-zero weights everywhere (the output layer starts at 0) and non-trivial GroupNorm affines."""
    for v in net.parameters():
        v.data = rng.normal(scale=0.3, size=v.data.shape)
    return net


def torch_unet(
    p: dict, x: torch.Tensor, t: np.ndarray, y, levels: int, groups: int, time_dim: int, num_classes
) -> torch.Tensor:
    """The same network written with torch.nn.functional on the parameter dict ``p``."""

    def lin(name, h):
        return F.linear(h, p[f"{name}.weight"], p[f"{name}.bias"])

    def conv(name, h, stride=1):
        k = p[f"{name}.weight"].shape[-1]
        return F.conv2d(h, p[f"{name}.weight"], p[f"{name}.bias"], stride=stride, padding=k // 2)

    def gn(name, h):
        return F.group_norm(
            h, min(groups, h.shape[1]), p[f"{name}.weight"], p[f"{name}.bias"], 1e-5
        )

    def block(name, h, e):
        out = conv(f"{name}.conv1", F.silu(gn(f"{name}.norm1", h)))
        out = out + lin(f"{name}.emb", F.silu(e))[:, :, None, None]
        out = conv(f"{name}.conv2", F.silu(gn(f"{name}.norm2", out)))
        skip = conv(f"{name}.skip", h) if f"{name}.skip.weight" in p else h
        return skip + out

    sin = torch.from_numpy(timestep_embedding(t, time_dim))
    e = lin("time.fc2", F.silu(lin("time.fc1", sin)))
    if num_classes:
        labels = np.full(len(t), num_classes) if y is None else y
        e = e + p["label.weight"][torch.from_numpy(labels)]
    h = conv("inc", x)
    skips = []
    for level in range(levels):
        h = block(f"down_blocks.{level}", h, e)
        skips.append(h)
        if level < levels - 1:
            h = conv(f"downsamples.{level}", h, stride=2)
    h = block("mid", h, e)
    for i in range(levels):
        h = block(f"up_blocks.{i}", torch.cat([h, skips.pop()], dim=1), e)
        if i < levels - 1:
            h = conv(f"upsamples.{i}", F.interpolate(h, scale_factor=2, mode="nearest"))
    return conv("out", F.silu(gn("out_norm", h)))


@settings(deadline=None, max_examples=6)
@given(
    batch=st.integers(1, 3),
    side=st.sampled_from([4, 8, 12]),
    channels=st.integers(1, 2),
    mults=st.sampled_from([(1, 2), (1, 2, 2), (2, 1)]),
    conditional=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_unet_matches_a_pytorch_twin_values_and_gradients(
    batch, side, channels, mults, conditional, seed
) -> None:
    rng = np.random.default_rng(seed)
    num_classes = 3 if conditional else None
    net = DiffusionUNet(
        channels,
        base_channels=4,
        channel_mults=mults,
        groups=2,
        time_dim=6,
        num_classes=num_classes,
        generator=rng,
    )
    _randomise(_float64(net), rng)
    x = rng.normal(size=(batch, channels, side, side))
    t = rng.integers(1, 1001, batch)
    y = rng.integers(0, 4, batch) if conditional else None
    xg = Tensor(x, requires_grad=True)
    out = net(xg, t, y)
    upstream = rng.normal(size=out.shape)
    (out * Tensor(upstream)).sum().backward()

    p = {k: torch.tensor(np.array(v.data), requires_grad=True) for k, v in net.named_parameters()}
    xt = torch.tensor(x, requires_grad=True)
    ref = torch_unet(p, xt, t, y, len(mults), 2, 6, num_classes)
    (ref * torch.from_numpy(upstream)).sum().backward()
    assert out.shape == (batch, channels, side, side)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    for k, v in net.named_parameters():
        np.testing.assert_allclose(v.grad, p[k].grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=k)


def test_unet_input_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    net = _randomise(
        _float64(DiffusionUNet(1, 4, (1, 2), groups=2, time_dim=4, generator=rng)), rng
    )
    x, t = rng.normal(size=(2, 1, 4, 4)), np.array([3, 700])
    w = rng.normal(size=(2, 1, 4, 4))
    xg = Tensor(x, requires_grad=True)
    (net(xg, t) * Tensor(w)).sum().backward()
    grad = np.asarray(getattr(xg.grad, "data", xg.grad))
    h = 1e-6
    for idx in [(0, 0, 0, 0), (1, 0, 2, 3), (0, 0, 3, 1)]:
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        fd = ((net(Tensor(xp), t).data - net(Tensor(xm), t).data) * w).sum() / (2 * h)
        assert grad[idx] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_untrained_unet_predicts_zero_noise_and_float32_shapes() -> None:
    net = DiffusionUNet(
        1,
        base_channels=8,
        channel_mults=(1, 2, 2),
        num_classes=10,
        generator=np.random.default_rng(0),
    )
    out = net(Tensor(np.ones((3, 1, 28, 28), dtype=np.float32)), np.array([1, 2, 1000]), None)
    assert out.shape == (3, 1, 28, 28) and out.dtype == np.float32
    assert np.all(out.data == 0.0)


def test_time_embedding_is_the_sinusoid_through_two_layers() -> None:
    te = _float64(TimeEmbedding(6, 5, generator=np.random.default_rng(1)))
    t = np.array([1, 17, 999])
    # the formula: [cos(t w_i), sin(t w_i)], w_i = 10000^(-i/3)
    omega = 10000.0 ** (-np.arange(3) / 3)
    sin = np.concatenate([np.cos(t[:, None] * omega), np.sin(t[:, None] * omega)], axis=1)
    h = sin @ te.fc1.weight.data.T + te.fc1.bias.data
    want = (h / (1 + np.exp(-h))) @ te.fc2.weight.data.T + te.fc2.bias.data
    np.testing.assert_allclose(te(t).data, want, rtol=1e-12)


def test_the_label_changes_the_output_and_none_is_the_null_row() -> None:
    rng = np.random.default_rng(4)
    net = _randomise(
        _float64(DiffusionUNet(1, 4, (1, 2), groups=2, num_classes=3, generator=rng)), rng
    )
    x, t = Tensor(rng.normal(size=(2, 1, 4, 4))), np.array([5, 5])
    np.testing.assert_array_equal(net(x, t, None).data, net(x, t, np.array([3, 3])).data)
    assert not np.allclose(net(x, t, np.array([0, 0])).data, net(x, t, np.array([1, 1])).data)


def test_time_changes_the_output() -> None:
    rng = np.random.default_rng(5)
    net = _randomise(_float64(DiffusionUNet(1, 4, (1, 2), groups=2, generator=rng)), rng)
    x = Tensor(np.repeat(rng.normal(size=(1, 1, 4, 4)), 2, axis=0))
    out = net(x, np.array([1, 900])).data
    assert not np.allclose(out[0], out[1])


def test_bad_input_names_the_shapes() -> None:
    net = DiffusionUNet(1, 4, (1, 2, 2), groups=2, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"divisible by 4, got \(2, 1, 6, 6\)"):
        net(Tensor(np.zeros((2, 1, 6, 6))), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"t must have shape \(2,\), got \(3,\)"):
        net(Tensor(np.zeros((2, 1, 8, 8))), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="channel_mults"):
        DiffusionUNet(1, 4, ())
