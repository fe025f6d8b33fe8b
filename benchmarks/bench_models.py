r"""Group ``models``: whole training steps of small image models, groundup against PyTorch CPU.

The per-layer tables (``conv``, ``nn``) can all look fine while a model's step is slow:
a layer nobody timed (max pooling was a third of a CNN step, issue 24) or the glue
between layers dominates. Each workload here is one optimisation step — forward,
cross-entropy, backward, optimiser update — of a whole model, float32, on the same
initial weights and batch on both sides:

* the MNIST CNN of issue 24: conv(1->32, 3x3) - ReLU - maxpool 2 - conv(32->64, 3x3) -
  ReLU - maxpool 2 - FC 128 - ReLU - FC 10, batch 128, Adam;
* the same with BatchNorm2d after each convolution (train mode);
* LeNet-5 (``groundup.architectures.lenet``, the ``modern`` variant: ReLU and max
  pooling), batch 128, Adam;
* the ViT of the ``vit-mnist`` milestone (7x7 patches, width 64, 4 pre-norm layers,
  4 heads, MLP 128, tanh GELU), batch 64, AdamW.

Each callable returns the loss and one input-side gradient, so a test can check that
both sides compute the same thing (``tests/benchmarks/test_bench_models.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.registry import Pair, workload


def mnist_cnn(mod: Any, batchnorm: bool) -> Any:
    """The CNN of issue 24 from ``mod`` (``groundup.nn`` or ``torch.nn``); 28x28 input."""
    layers = []
    for c_in, c_out in [(1, 32), (32, 64)]:
        layers.append(mod.Conv2d(c_in, c_out, 3))
        if batchnorm:
            layers.append(mod.BatchNorm2d(c_out))
        layers += [mod.ReLU(), mod.MaxPool2d(2)]
    # 28 -> 26 -> 13 -> 11 -> 5
    layers += [mod.Flatten(), mod.Linear(64 * 5 * 5, 128), mod.ReLU(), mod.Linear(128, 10)]
    return mod.Sequential(*layers)


def torch_lenet() -> Any:
    """LeNet-5, ``modern`` variant, with groundup's parameter names (``conv1`` ... ``fc3``)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class LeNet5(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(400, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.flatten(1)))
            return self.fc3(F.relu(self.fc2(x)))

    return LeNet5()


VIT = dict(image_size=28, patch_size=7, num_classes=10, dim=64, depth=4, heads=4, mlp_dim=128)


def torch_vit(c: dict = VIT) -> Any:
    """The ViT of ``groundup.sequence.transformers.vit`` in PyTorch, with the same names."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x, approximate="tanh")

    class ViT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            D, P = c["dim"], c["patch_size"]
            n_patches = (c["image_size"] // P) ** 2
            self.patch_embed = nn.Conv2d(1, D, P, stride=P)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
            self.pos_embedding = nn.Parameter(torch.zeros(1, n_patches + 1, D))
            layer = nn.TransformerEncoderLayer(
                D, c["heads"], c["mlp_dim"], 0.0, gelu_tanh, batch_first=True, norm_first=True
            )
            self.encoder = nn.TransformerEncoder(layer, c["depth"], enable_nested_tensor=False)
            self.norm = nn.LayerNorm(D)
            self.head = nn.Linear(D, c["num_classes"])

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            N = x.shape[0]
            p = self.patch_embed(x)  # (N, D, H/P, W/P)
            tokens = p.flatten(2).transpose(1, 2)  # (N, n_patches, D)
            z = torch.cat([self.cls_token.expand(N, 1, -1), tokens], 1) + self.pos_embedding
            return self.head(self.norm(self.encoder(z)[:, 0]))

    return ViT()


def model_step_pair(
    build: Callable[[], tuple[Any, Any]],
    optimizer: str,
    batch: int,
    lr: float = 1e-3,
    seed: int = 0,
) -> Pair:
    """One training step of ``build() -> (groundup_model, torch_model)`` on both sides.

    The torch model gets groundup's initial weights; both see the same batch of
    28x28 images. Each callable returns ``(loss, gradient of the first parameter)``.
    """
    import torch

    from groundup import Tensor, nn, optim

    ours, theirs = build()
    state = {k: torch.tensor(np.array(v.data)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)  # strict: the names and shapes must agree
    ours.train()
    theirs.train()
    rng = np.random.default_rng(seed)
    X = rng.random((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    opt = getattr(optim, optimizer)(ours.parameters(), lr=lr)
    opt_t = getattr(torch.optim, optimizer)(theirs.parameters(), lr=lr)
    Xg, yg = Tensor(X), Tensor(y)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    first, first_t = next(iter(ours.parameters())), next(iter(theirs.parameters()))

    def run_groundup() -> tuple[float, np.ndarray]:
        loss = nn.functional.cross_entropy(ours(Xg), yg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item(), first.grad.data

    def run_reference() -> tuple[float, np.ndarray]:
        loss = torch.nn.functional.cross_entropy(theirs(Xt), yt)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item(), first_t.grad.numpy()

    return run_groundup, run_reference


def mnist_cnn_pair(batchnorm: bool = False, batch: int = 128) -> Pair:
    import torch

    from groundup import nn

    return model_step_pair(
        lambda: (mnist_cnn(nn, batchnorm), mnist_cnn(torch.nn, batchnorm)), "Adam", batch
    )


def lenet_pair(batch: int = 128) -> Pair:
    from groundup.architectures.lenet import LeNet5

    return model_step_pair(
        lambda: (LeNet5(generator=np.random.default_rng(0)), torch_lenet()), "Adam", batch
    )


def vit_pair(batch: int = 64, config: dict = VIT) -> Pair:
    from groundup.sequence.transformers.vit import ViT

    return model_step_pair(
        lambda: (ViT(**config, generator=np.random.default_rng(0)), torch_vit(config)),
        "AdamW",
        batch,
    )


@workload(
    group="models",
    name="MNIST CNN (conv32-pool-conv64-pool-fc128-fc10), batch 128, Adam: train step",
)
def mnist_cnn_step() -> Pair:
    return mnist_cnn_pair(batchnorm=False)


@workload(group="models", name="MNIST CNN + BatchNorm2d, batch 128, Adam: train step")
def mnist_cnn_bn_step() -> Pair:
    return mnist_cnn_pair(batchnorm=True)


@workload(group="models", name="LeNet-5 (ReLU, max pooling), batch 128, Adam: train step")
def lenet_step() -> Pair:
    return lenet_pair()


@workload(
    group="models",
    name="ViT (vit-mnist: 7x7 patches, width 64, 4 layers, 4 heads), batch 64, AdamW: train step",
)
def vit_step() -> Pair:
    return vit_pair()
