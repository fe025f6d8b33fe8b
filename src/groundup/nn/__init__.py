"""``groundup.nn``: PyTorch's ``torch.nn`` names, re-exported from the curriculum layout.

The code lives where the curriculum puts it (``groundup.nn_core.layers.linear`` for
`Linear`, ``groundup.nn_core.activations.relu`` for `ReLU`, ...); this facade lets
``from groundup import nn; nn.Linear(784, 256)`` read as it does in PyTorch.
Other areas (losses, convolution, ...) add their own sections below.
"""
# ruff: noqa: I001, RUF022  (imports and __all__ are grouped by topic, as the curriculum orders them)

from groundup.nn import functional, init

# ---------------------------------------------------------------- Module and containers
from groundup.nn_core.checkpoint import load, save
from groundup.nn_core.containers import ModuleDict, ModuleList, Sequential
from groundup.nn_core.module import Module, Parameter

# ---------------------------------------------------------------- layers
from groundup.nn_core.layers.distance import CosineSimilarity
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Flatten, Identity, Linear, Unflatten

# ---------------------------------------------------------------- activations
from groundup.nn_core.activations.gelu import GELU
from groundup.nn_core.activations.relu import ELU, LeakyReLU, PReLU, ReLU
from groundup.nn_core.activations.sigmoid import LogSigmoid, Sigmoid, SiLU, Softplus
from groundup.nn_core.activations.softmax import LogSoftmax, Softmax
from groundup.nn_core.activations.tanh import Hardtanh, ReLU6, Tanh

# ---------------------------------------------------------------- normalisation
from groundup.nn_core.normalization.batchnorm import BatchNorm1d, BatchNorm2d
from groundup.nn_core.normalization.groupnorm import GroupNorm
from groundup.nn_core.normalization.layernorm import LayerNorm
from groundup.nn_core.normalization.rmsnorm import RMSNorm

# ---------------------------------------------------------------- regularisation
from groundup.nn_core.regularization.dropout import Dropout, Dropout2d

__all__ = [
    # Module and containers
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "functional",
    "init",
    "load",
    "save",
    # layers
    "CosineSimilarity",
    "Embedding",
    "Flatten",
    "Identity",
    "Linear",
    "Unflatten",
    # activations
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
    # normalisation
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "LayerNorm",
    "RMSNorm",
    # regularisation
    "Dropout",
    "Dropout2d",
]

# ---------------------------------------------------------------- losses and clipping (optimization/)
from groundup.optimization.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)

# ``nn.utils.clip_grad_norm_(model.parameters(), 1.0)`` as in PyTorch
from groundup.optimization import gradient_utils as utils

__all__ += [
    # losses
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    # clipping
    "utils",
]

# ---------------------------------------------------------------- recurrent (nn_core/recurrent/)
from groundup.nn_core.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: E402

__all__ += ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]

# ---------------------------------------------------------------- convolution and pooling (nn_core/conv/, nn_core/pooling/)
from groundup.nn_core.conv.conv1d import Conv1d  # noqa: E402
from groundup.nn_core.conv.conv2d import Conv2d  # noqa: E402
from groundup.nn_core.conv.transposed_conv import ConvTranspose2d  # noqa: E402
from groundup.nn_core.pooling.avgpool import AdaptiveAvgPool2d, AvgPool2d  # noqa: E402
from groundup.nn_core.pooling.maxpool import MaxPool2d  # noqa: E402
from groundup.nn_core.pooling.upsample import Upsample  # noqa: E402

__all__ += [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "Upsample",
]

# ---------------------------------------------------------------- attention and transformers (nn_core/attention/, sequence/transformers/)
from groundup.nn_core.attention.multihead import MultiheadAttention  # noqa: E402
from groundup.sequence.transformers.encoder import (  # noqa: E402
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ += ["MultiheadAttention", "TransformerEncoder", "TransformerEncoderLayer"]
