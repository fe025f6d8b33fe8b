"""Model architectures built from the nn core (curriculum module map: ``architectures/``)."""

from groundup.architectures.mlp import MLP

__all__ = ["MLP"]

# ---------------------------------------------------------------- convolutional networks (Phase 5)
from groundup.architectures.lenet import LeNet5
from groundup.architectures.resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    resnet18,
    resnet34,
    resnet50,
)
from groundup.architectures.unet import UNet
from groundup.architectures.vgg import VGG, vgg11, vgg13, vgg16, vgg19

__all__ += [
    "VGG",
    "BasicBlock",
    "Bottleneck",
    "LeNet5",
    "ResNet",
    "UNet",
    "resnet18",
    "resnet34",
    "resnet50",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
]
