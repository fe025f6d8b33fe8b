"""``groundup.nn.functional``: PyTorch's ``torch.nn.functional`` names, re-exported.

Each function lives next to the layer that uses it in the curriculum layout
(``linear`` in ``nn_core/layers/linear.py``, ``relu`` in ``nn_core/activations/relu.py``,
...). Sections below group them; other areas (losses, convolution, ...) add their own.
"""
# ruff: noqa: I001, RUF022  (imports and __all__ are grouped by topic, as the curriculum orders them)

# ---------------------------------------------------------------- layers
from groundup.nn_core.layers.distance import cosine_similarity
from groundup.nn_core.layers.embedding import embedding
from groundup.nn_core.layers.linear import linear

# ---------------------------------------------------------------- activations
from groundup.nn_core.activations.gelu import gelu
from groundup.nn_core.activations.relu import elu, leaky_relu, prelu, relu
from groundup.nn_core.activations.sigmoid import logsigmoid, sigmoid, silu, softplus
from groundup.nn_core.activations.softmax import log_softmax, softmax
from groundup.nn_core.activations.tanh import hardtanh, relu6, tanh

# ---------------------------------------------------------------- normalisation
from groundup.nn_core.normalization.batchnorm import batch_norm
from groundup.nn_core.normalization.groupnorm import group_norm
from groundup.nn_core.normalization.layernorm import layer_norm
from groundup.nn_core.normalization.rmsnorm import rms_norm

# ---------------------------------------------------------------- regularisation
from groundup.nn_core.regularization.dropout import dropout, dropout2d

__all__ = [
    # layers
    "cosine_similarity",
    "embedding",
    "linear",
    # activations
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
    # normalisation
    "batch_norm",
    "group_norm",
    "layer_norm",
    "rms_norm",
    # regularisation
    "dropout",
    "dropout2d",
]

# ---------------------------------------------------------------- losses (optimization/losses)
from groundup.optimization.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ += [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

# ---------------------------------------------------------------- convolution and pooling (nn_core/conv/, nn_core/pooling/)
from groundup.nn_core.conv.conv1d import conv1d  # noqa: E402
from groundup.nn_core.conv.conv2d import conv2d  # noqa: E402
from groundup.nn_core.conv.transposed_conv import conv_transpose2d  # noqa: E402
from groundup.nn_core.pooling.avgpool import adaptive_avg_pool2d, avg_pool2d  # noqa: E402
from groundup.nn_core.pooling.maxpool import max_pool2d  # noqa: E402
from groundup.nn_core.pooling.upsample import interpolate  # noqa: E402

__all__ += [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "interpolate",
    "max_pool2d",
]

# ---------------------------------------------------------------- attention (nn_core/attention/)
from groundup.nn_core.attention.scaled_dot_product import scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention"]
