"""LeNet-5, VGG, ResNet and U-Net against PyTorch twins: sizes, state dicts, outputs, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from groundup import Tensor
from groundup.architectures import vgg as vgg_module
from groundup.architectures.lenet import LeNet5
from groundup.architectures.resnet import ResNet, resnet18, resnet34, resnet50
from groundup.architectures.unet import UNet
from groundup.architectures.vgg import VGG, vgg11, vgg16
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.layers.linear import Linear
from groundup.optimization.optimizers.sgd import SGD
from tests.architectures.torch_twins import (
    TorchBasicBlock,
    TorchBottleneck,
    TorchLeNet5,
    TorchResNet,
    TorchUNet,
    TorchVGG,
    from_torch_state,
    param_count,
    shapes,
    to_torch_state,
)
from tests.helpers import assert_close

RNG = np.random.default_rng(0)


def _cross_entropy(logits: Tensor, y: np.ndarray) -> Tensor:
    # $-\frac1N \sum_n \log \mathrm{softmax}(z_n)_{y_n}$
    return -logits.log_softmax(-1)[np.arange(len(y)), y].mean()


def _exchange_and_compare(model, model_t: torch.nn.Module, x: np.ndarray, train: bool) -> None:
    """Same keys and shapes; torch -> groundup and groundup -> torch give the same outputs."""
    state, state_t = model.state_dict(), model_t.state_dict()
    assert list(state) == list(state_t)
    assert shapes(state) == shapes(state_t)
    model.load_state_dict(from_torch_state(model_t))  # torch -> groundup
    model.train(train)
    model_t.train(train)
    assert_close(
        model(Tensor(x)), model_t(torch.from_numpy(x)), msg="output after loading torch weights"
    )
    model_t.load_state_dict(to_torch_state(model))  # groundup -> torch (running stats included)
    for k, v in model.state_dict().items():
        assert_close(v, model_t.state_dict()[k], msg=k)


def _one_sgd_step_reduces_loss(model, x: np.ndarray, loss_fn, lr: float = 0.05) -> None:
    model.train()
    opt = SGD(model.parameters(), lr=lr)
    loss0 = loss_fn(model(Tensor(x)))
    opt.zero_grad()
    loss0.backward()
    assert all(p.grad is not None for p in model.parameters()), "every parameter gets a gradient"
    opt.step()
    loss1 = loss_fn(model(Tensor(x)))
    assert loss1.item() < loss0.item()


# ---------------------------------------------------------------- LeNet-5
@pytest.mark.parametrize("variant, input_size", [("modern", 28), ("classic", 32)])
def test_lenet5_matches_torch_twin(variant: str, input_size: int) -> None:
    model = LeNet5(variant=variant, input_size=input_size, dtype=np.float64, generator=RNG)
    model_t = TorchLeNet5(input_size=input_size, variant=variant).double()
    assert param_count(model) == param_count(model_t) == 61_706
    x = RNG.standard_normal((4, 1, input_size, input_size))
    _exchange_and_compare(model, model_t, x, train=True)


def test_lenet5_training_step_reduces_loss() -> None:
    model = LeNet5(generator=np.random.default_rng(1))
    x = RNG.standard_normal((16, 1, 28, 28)).astype(np.float32)
    y = RNG.integers(0, 10, 16)
    _one_sgd_step_reduces_loss(model, x, lambda logits: _cross_entropy(logits, y))


def test_lenet5_rejects_wrong_input_size() -> None:
    with pytest.raises(
        ValueError, match=r"expected input of shape \(N, C, 28, 28\), got \(2, 1, 32, 32\)"
    ):
        LeNet5()(Tensor(np.zeros((2, 1, 32, 32), dtype=np.float32)))


# ---------------------------------------------------------------- ResNet
@pytest.mark.parametrize(
    "builder, block, layers, count",
    [
        (resnet18, TorchBasicBlock, [2, 2, 2, 2], 11_689_512),
        (resnet34, TorchBasicBlock, [3, 4, 6, 3], 21_797_672),
        (resnet50, TorchBottleneck, [3, 4, 6, 3], 25_557_032),
    ],
)
def test_resnet_full_size_matches_published_count_and_torchvision_keys(
    builder, block, layers, count, monkeypatch
) -> None:
    # the structure is what is tested here: skip the random initialisation (seconds for 25M values)
    monkeypatch.setattr(ResNet, "reset_parameters", lambda self, *a, **k: None)
    monkeypatch.setattr(Conv2d, "reset_parameters", lambda self, *a, **k: None)
    monkeypatch.setattr(Linear, "reset_parameters", lambda self, *a, **k: None)
    model = builder()
    with torch.device("meta"):  # shapes without storage
        model_t = TorchResNet(block, layers)
    assert param_count(model) == param_count(model_t) == count
    assert shapes(model.state_dict()) == shapes(model_t.state_dict())
    assert list(model.state_dict())[:7] == [
        "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
        "bn1.num_batches_tracked", "layer1.0.conv1.weight",
    ]  # fmt: skip


@pytest.mark.parametrize("train", [True, False])
def test_resnet18_cifar_matches_torch_twin(train: bool) -> None:
    model = resnet18(num_classes=10, stem="cifar", width=4, dtype=np.float64, generator=RNG)
    model_t = TorchResNet(
        TorchBasicBlock, [2, 2, 2, 2], num_classes=10, stem="cifar", width=4
    ).double()
    x = RNG.standard_normal((3, 3, 32, 32))
    _exchange_and_compare(model, model_t, x, train=train)
    assert model(Tensor(x)).shape == (3, 10)


def test_resnet_imagenet_stem_and_bottleneck_match_torch_twin() -> None:
    model = resnet50(num_classes=7, width=2, dtype=np.float64, generator=RNG)
    model_t = TorchResNet(TorchBottleneck, [3, 4, 6, 3], num_classes=7, width=2).double()
    x = RNG.standard_normal((2, 3, 32, 32))
    _exchange_and_compare(model, model_t, x, train=True)


def test_resnet18_training_step_reduces_loss() -> None:
    model = resnet18(num_classes=10, stem="cifar", width=4, generator=np.random.default_rng(2))
    x = RNG.standard_normal((8, 3, 32, 32)).astype(np.float32)
    y = RNG.integers(0, 10, 8)
    _one_sgd_step_reduces_loss(model, x, lambda logits: _cross_entropy(logits, y))


def test_resnet_zero_init_residual_starts_blocks_at_the_identity() -> None:
    model = resnet18(stem="cifar", width=4, zero_init_residual=True, generator=RNG)
    assert all(
        np.all(block.bn2.weight.data == 0)
        for layer in (model.layer1, model.layer4)
        for block in layer
    )


# ---------------------------------------------------------------- VGG
@pytest.mark.parametrize(
    "builder, cfg, count", [(vgg11, "A", 132_863_336), (vgg16, "D", 138_357_544)]
)
def test_vgg_full_size_matches_torchvision_count(
    builder, cfg: str, count: int, monkeypatch
) -> None:
    monkeypatch.setattr(vgg_module.VGG, "reset_parameters", lambda self, *a, **k: None)
    monkeypatch.setattr(Conv2d, "reset_parameters", lambda self, *a, **k: None)
    monkeypatch.setattr(Linear, "reset_parameters", lambda self, *a, **k: None)
    model = builder()
    with torch.device("meta"):
        model_t = TorchVGG(cfg)
    assert param_count(model) == param_count(model_t) == count
    assert shapes(model.state_dict()) == shapes(model_t.state_dict())
    model_bn = builder(batch_norm=True)
    with torch.device("meta"):
        model_bn_t = TorchVGG(cfg, batch_norm=True)
    assert param_count(model_bn) == param_count(model_bn_t)
    assert shapes(model_bn.state_dict()) == shapes(model_bn_t.state_dict())


@pytest.mark.parametrize("cfg, batch_norm", [("A", True), ("D", False)])
def test_vgg_small_matches_torch_twin(cfg: str, batch_norm: bool) -> None:
    kwargs = {"num_classes": 5, "batch_norm": batch_norm, "width": 4, "hidden": 16, "pool_size": 1}
    model = VGG(cfg, dtype=np.float64, generator=RNG, **kwargs)
    model_t = TorchVGG(cfg, **kwargs).double()
    x = RNG.standard_normal((2, 3, 32, 32))
    _exchange_and_compare(model, model_t, x, train=False)  # eval: dropout off
    assert model(Tensor(x)).shape == (2, 5)


def test_vgg_training_step_reduces_loss() -> None:
    model = vgg11(
        num_classes=10, batch_norm=True, width=4, hidden=32, pool_size=1, dropout=0.0, generator=RNG
    )
    x = RNG.standard_normal((8, 3, 32, 32)).astype(np.float32)
    y = RNG.integers(0, 10, 8)
    _one_sgd_step_reduces_loss(model, x, lambda logits: _cross_entropy(logits, y))


# ---------------------------------------------------------------- U-Net
@pytest.mark.parametrize("depth, bilinear, size", [(2, False, 28), (3, True, 20), (4, False, 16)])
def test_unet_matches_torch_twin(depth: int, bilinear: bool, size: int) -> None:
    model = UNet(
        1, 2, base_channels=4, depth=depth, bilinear=bilinear, dtype=np.float64, generator=RNG
    )
    model_t = TorchUNet(1, 2, base=4, depth=depth, bilinear=bilinear).double()
    assert param_count(model) == param_count(model_t)
    x = RNG.standard_normal((2, 1, size, size))
    _exchange_and_compare(model, model_t, x, train=True)
    assert model(Tensor(x)).shape == (2, 2, size, size)


def test_unet_paper_size_parameter_count() -> None:
    # depth 4, 64 base channels, no batch norm: 31,030,593 parameters (1 channel in and out)
    with torch.device("meta"):
        model_t = TorchUNet(1, 1, base=64, depth=4, batch_norm=False)
    assert (
        param_count(UNet(1, 1, batch_norm=False, generator=RNG))
        == param_count(model_t)
        == 31_030_593
    )


def test_unet_training_step_reduces_denoising_loss() -> None:
    model = UNet(1, 1, base_channels=4, depth=2, generator=np.random.default_rng(3))
    clean = RNG.random((4, 1, 16, 16)).astype(np.float32)
    noisy = clean + 0.3 * RNG.standard_normal(clean.shape).astype(np.float32)
    _one_sgd_step_reduces_loss(
        model, noisy, lambda out: ((out - Tensor(clean)) ** 2).mean(), lr=0.1
    )


def test_unet_rejects_too_small_input() -> None:
    with pytest.raises(ValueError, match=r"H, W >= 2\*\*depth = 16"):
        UNet(1, 1, base_channels=2, depth=4)(Tensor(np.zeros((1, 1, 8, 8), dtype=np.float32)))
