"""Activation functions (curriculum Phase 2, week 3), as modules and functions."""

from groundup.nn_core.activations.gelu import GELU, gelu
from groundup.nn_core.activations.relu import (
    ELU,
    LeakyReLU,
    PReLU,
    ReLU,
    elu,
    leaky_relu,
    prelu,
    relu,
)
from groundup.nn_core.activations.sigmoid import (
    LogSigmoid,
    Sigmoid,
    SiLU,
    Softplus,
    logsigmoid,
    sigmoid,
    silu,
    softplus,
)
from groundup.nn_core.activations.softmax import LogSoftmax, Softmax, log_softmax, softmax
from groundup.nn_core.activations.tanh import Hardtanh, ReLU6, Tanh, hardtanh, relu6, tanh

__all__ = [
    "ELU",
    "GELU",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "elu",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "prelu",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]
