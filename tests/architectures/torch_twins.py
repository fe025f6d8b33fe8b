"""PyTorch twins of the groundup architectures (torchvision is not installed here).

Each twin is written the way torchvision (ResNet, VGG) or the usual reference code (LeNet,
U-Net) writes it, with the same module names, so state dicts can be exchanged key for key.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from groundup import Tensor


# ---------------------------------------------------------------- state dict exchange
def to_torch_state(module) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.array(v.data)) for k, v in module.state_dict().items()}


def from_torch_state(module_t: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in module_t.state_dict().items()}


def param_count(module) -> int:
    return sum(int(np.prod(p.shape)) for p in module.parameters())


def shapes(state: dict) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in state.items()}


def as_tensor(x: np.ndarray) -> Tensor:
    return Tensor(x)


# ---------------------------------------------------------------- LeNet-5
class TorchLeNet5(nn.Module):
    def __init__(
        self, num_classes: int = 10, input_size: int = 28, variant: str = "modern"
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2 if input_size == 28 else 0)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.act = nn.Tanh() if variant == "classic" else nn.ReLU()
        self.pool = nn.AvgPool2d(2) if variant == "classic" else nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        x = x.flatten(1)
        return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))


# ---------------------------------------------------------------- ResNet (torchvision's code, reduced)
class TorchBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class TorchBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class TorchResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, stem="imagenet", width=64):
        super().__init__()
        self.inplanes = width
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.layer1 = self._make_layer(block, width, layers[0], 1)
        self.layer2 = self._make_layer(block, 2 * width, layers[1], 2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], 2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---------------------------------------------------------------- VGG (torchvision's code, reduced)
VGG_CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


class TorchVGG(nn.Module):
    def __init__(self, cfg, num_classes=1000, batch_norm=False, width=64, hidden=4096, pool_size=7):
        super().__init__()
        layers, c = [], 3
        for v in VGG_CFGS[cfg]:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
                continue
            v = v * width // 64
            layers.append(nn.Conv2d(c, v, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU())
            c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Linear(c * pool_size * pool_size, hidden), nn.ReLU(), nn.Dropout(),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(),
            nn.Linear(hidden, num_classes),
        )  # fmt: skip

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# ---------------------------------------------------------------- U-Net
class TorchDoubleConv(nn.Module):
    def __init__(self, c_in, c_out, batch_norm=True):
        super().__init__()
        layers = []
        for c in (c_in, c_out):
            layers.append(nn.Conv2d(c, c_out, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.ReLU())
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return self.block(x)


class TorchDown(nn.Module):
    def __init__(self, c_in, c_out, batch_norm=True):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = TorchDoubleConv(c_in, c_out, batch_norm)

    def forward(self, x):
        return self.conv(self.pool(x))


class TorchUp(nn.Module):
    def __init__(self, c_in, c_out, bilinear=False, batch_norm=True):
        super().__init__()
        if bilinear:
            self.up = nn.Sequential(
                nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                nn.Conv2d(c_in, c_in // 2, 1),
            )
        else:
            self.up = nn.ConvTranspose2d(c_in, c_in // 2, 2, stride=2)
        self.conv = TorchDoubleConv(c_in, c_out, batch_norm)

    def forward(self, x, skip):
        x = self.up(x)
        dh, dw = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
        x = nn.functional.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
        return self.conv(torch.cat([skip, x], dim=1))


class TorchUNet(nn.Module):
    def __init__(self, c_in=1, c_out=1, base=64, depth=4, bilinear=False, batch_norm=True):
        super().__init__()
        w = [base * 2**i for i in range(depth + 1)]
        self.inc = TorchDoubleConv(c_in, w[0], batch_norm)
        self.downs = nn.ModuleList(TorchDown(w[i], w[i + 1], batch_norm) for i in range(depth))
        self.ups = nn.ModuleList(
            TorchUp(w[i + 1], w[i], bilinear, batch_norm) for i in reversed(range(depth))
        )
        self.outc = nn.Conv2d(w[0], c_out, 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        d = skips.pop()
        for up in self.ups:
            d = up(d, skips.pop())
        return self.outc(d)
