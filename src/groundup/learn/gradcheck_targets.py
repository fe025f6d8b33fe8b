"""Functions of float inputs only, for the finite-difference check of exercises with a backward.

``groundup check`` calls them (``gradcheck = "groundup.learn.gradcheck_targets:NAME"``) in the
overlaid subprocess, so the library functions they call are the learner's.
"""

from __future__ import annotations

import numpy as np

from groundup import Tensor


def cross_entropy_indices(z: Tensor) -> Tensor:
    r"""$\ell = \frac1N\sum_i -\log\mathrm{softmax}(z_i)_{y_i}$ with fixed classes $y_i = i \bmod C$; ``z`` of shape ``(N, C)``."""
    from groundup.optimization.losses.cross_entropy import cross_entropy

    N, C = z.shape
    y = np.arange(N) % C  # (N,)
    return cross_entropy(z, y, reduction="none")


def mse(x: Tensor, y: Tensor) -> Tensor:
    r"""$\ell = (x - y)^2$ elementwise; ``x`` and ``y`` of the same shape."""
    from groundup.optimization.losses.mse import mse_loss

    return mse_loss(x, y, reduction="none")


def binary_cross_entropy(x: Tensor) -> Tensor:
    r"""$\ell = -[y\log p + (1-y)\log(1-p)]$ at $p = 0.1 + 0.8\,\sigma(x)$ (inside $(0, 1)$), fixed $y$."""
    from groundup.optimization.losses.binary_cross_entropy import binary_cross_entropy as bce

    y = (np.arange(x.data.size).reshape(x.shape) % 3) / 2.0  # values 0, 0.5, 1
    return bce(x.sigmoid() * 0.8 + 0.1, y, reduction="none")


def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    r"""$y = x W^\top + b$; ``x`` (N, in), ``weight`` (out, in), ``bias`` (out,)."""
    from groundup.nn_core.layers.linear import linear as linear_

    return linear_(x, weight, bias)


def tensor_compositions(x: Tensor) -> Tensor:
    r"""Ops composed from primitives, per row of ``x`` (N, D >= 3): variance, first maximum, split, expand.

    $y_i = \mathrm{Var}_j(x_{ij}) + \max_j x_{ij} + \bar a_i \sum_j b_{ij} + 3 x_{i0}$ with
    $[a, b]$ = ``x`` split after column 2.
    """
    a, b = x.split([2, x.shape[1] - 2], dim=1)  # (N, 2), (N, D - 2)
    first = x[:, :1].expand(-1, 3).sum(1)  # (N,)
    return x.var(1) + x.max(1).values + a.mean(1) * b.sum(1) + first


def additive_attention(s: Tensor, h: Tensor) -> Tensor:
    r"""Bahdanau context $c = \sum_j \alpha_j h_j$, $\alpha = \mathrm{softmax}_j(v^\top\tanh(W_q s + W_k h_j + b))$.

    ``s`` (B, Q), ``h`` (B, S, K); fixed weights; the last source position of row 0 is padding.
    """
    from groundup.sequence.recurrent.attention import AdditiveAttention

    B, Q = s.shape
    S, K = h.shape[1:]
    attention = AdditiveAttention(Q, K, 5, generator=np.random.default_rng(0)).double()
    mask = np.ones((B, S), dtype=bool)  # (B, S)
    mask[0, -1] = S == 1  # keep at least one real position
    context, _ = attention(s, h, mask)  # (B, K)
    return context


def encoder_layers(x: Tensor) -> Tensor:
    r"""$\mathrm{post}(x) + \mathrm{pre}(x)$: a post-norm and a pre-norm ``TransformerEncoderLayer`` (GELU, no dropout).

    ``x`` (N, S, E) with E even; fixed weights; the last position of sequence 0 is padding.
    """
    from groundup.sequence.transformers.encoder import TransformerEncoderLayer

    N, S, E = x.shape
    padding = np.zeros((N, S), dtype=bool)  # (N, S)
    padding[0, -1] = S > 1
    out = []
    for norm_first in (False, True):
        layer = TransformerEncoderLayer(
            E, 2, 6, 0.0, "gelu", batch_first=True, norm_first=norm_first,
            dtype=np.float64, generator=np.random.default_rng(0),
        )  # fmt: skip
        out.append(layer(x, src_key_padding_mask=padding))  # (N, S, E)
    return out[0] + out[1]


def decoder_block(x: Tensor, memory: Tensor) -> Tensor:
    r"""A pre-norm ``DecoderBlock`` with RoPE and cross-attention: $x + \mathrm{Attn}(\ldots)$; fixed weights.

    ``x`` (B, T, E), ``memory`` (B, S, E) with E divisible by 4 (two heads of even size).
    """
    from groundup.sequence.transformers.decoder import DecoderBlock

    E = x.shape[-1]
    block = DecoderBlock(
        E, 2, rope=True, cross_attention=True, dtype=np.float64, generator=np.random.default_rng(0)
    )
    return block(x, memory=memory)  # (B, T, E)


def vit(x: Tensor) -> Tensor:
    r"""Logits of a one-layer ``ViT`` on 4x4 single-channel images, 2x2 patches; fixed weights; ``x`` (N, 1, 4, 4)."""
    from groundup.sequence.transformers.vit import ViT

    model = ViT(
        image_size=4, patch_size=2, num_classes=3, dim=4, depth=1, heads=2, mlp_dim=6,
        in_channels=1, dtype=np.float64, generator=np.random.default_rng(0),
    )  # fmt: skip
    return model(x)  # (N, 3)


def attention_scorers(s: Tensor, h: Tensor) -> Tensor:
    r"""The contexts of the additive, dot and general scorers, summed: $c_\text{add} + c_\text{dot} + c_\text{gen}$.

    ``s`` (B, Q), ``h`` (B, S, Q) (the dot score needs equal sizes); fixed weights; the last
    source position of row 0 is padding.
    """
    from groundup.sequence.recurrent.attention import AdditiveAttention, DotAttention

    B, Q = s.shape
    S = h.shape[1]
    rng = np.random.default_rng(0)
    mask = np.ones((B, S), dtype=bool)  # (B, S)
    mask[0, -1] = S == 1  # keep at least one real position
    scorers = [
        AdditiveAttention(Q, Q, 5, generator=rng).double(),
        DotAttention(Q, Q),
        DotAttention(Q, Q, general=True, generator=rng).double(),
    ]
    contexts = [scorer(s, h, mask)[0] for scorer in scorers]  # each (B, Q)
    return contexts[0] + contexts[1] + contexts[2]


def conv2d(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    r"""$y = W \star x + b$ with stride 2 and padding 1; ``x`` (N, C, H, W), ``weight`` (O, C, k, k), ``bias`` (O,)."""
    from groundup.nn_core.conv.conv2d import conv2d as conv2d_

    return conv2d_(x, weight, bias, stride=2, padding=1)


def conv_transpose2d(y: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    r"""$z = A_W^\top y + b$ with stride 2, padding 1, output padding 1; ``y`` (N, C_in, H, W),
    ``weight`` (C_in, C_out, k, k), ``bias`` (C_out,)."""
    from groundup.nn_core.conv.transposed_conv import conv_transpose2d as conv_transpose2d_

    return conv_transpose2d_(y, weight, bias, stride=2, padding=1, output_padding=1)


def max_pool2d(x: Tensor) -> Tensor:
    r"""$y = \max$ over 3x3 windows, stride 2, padding 1; ``x`` (N, C, H, W) with distinct values."""
    from groundup.nn_core.pooling.maxpool import max_pool2d as max_pool2d_

    return max_pool2d_(x, 3, 2, 1)


def avg_pools(x: Tensor) -> Tensor:
    r"""3x3/2 average pooling (padding 1, padding not counted) and adaptive pooling to (2, 3),
    flattened and concatenated; ``x`` (N, C, H, W)."""
    from groundup.foundations.computational_graph import cat
    from groundup.nn_core.pooling.avgpool import adaptive_avg_pool2d, avg_pool2d

    a = avg_pool2d(x, 3, 2, 1, count_include_pad=False)  # (N, C, Ho, Wo)
    b = adaptive_avg_pool2d(x, (2, 3))  # (N, C, 2, 3)
    return cat([a.flatten(1), b.flatten(1)], dim=1)
