r"""The Vision Transformer, ViT (Dosovitskiy et al., 2021): an image as a sequence of patches.

The image is cut into $P \times P$ patches, each flattened and projected to width $D$
(one ``Conv2d`` with kernel = stride = $P$ does both), a learned class token is put in
front, learned position embeddings are added, and a pre-norm transformer encoder mixes
the tokens. The class token's final state, normalised, is classified:

$$z_0 = [x_\text{cls};\, x_p^1 E; \dots; x_p^N E] + E_\text{pos},\qquad
z_\ell = \mathrm{Encoder}_\ell(z_{\ell-1}),\qquad y = \mathrm{head}(\mathrm{LN}(z_L^0)).$$

Without the convolution's built-in locality a ViT needs more data or augmentation
than a CNN; on small sets (the MNIST milestone) shifts and a cosine schedule carry it.

>>> import numpy as np
>>> from groundup import Tensor
>>> vit = ViT(image_size=28, patch_size=7, num_classes=10, dim=16, depth=1, heads=2, mlp_dim=32)
>>> vit(Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape
(2, 10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, cat
from groundup.nn_core import init
from groundup.nn_core.activations.gelu import gelu
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module, Parameter
from groundup.nn_core.normalization.layernorm import LayerNorm
from groundup.nn_core.regularization.dropout import Dropout
from groundup.sequence.transformers.encoder import TransformerEncoder, TransformerEncoderLayer
from groundup.utils.seeding import make_rng

__all__ = ["ViT"]


def gelu_tanh(x: Tensor) -> Tensor:
    """GPT-2's tanh GELU (cheaper than the exact one in NumPy)."""
    return gelu(x, approximate="tanh")


class ViT(Module):
    """A Vision Transformer classifier.

    Parameters
    ----------
    image_size : int
        Side of the (square) input images; a multiple of ``patch_size``.
    patch_size : int
        $P$.
    num_classes : int
    dim : int
        $D$, the token width.
    depth : int
        Encoder layers (pre-norm, GELU).
    heads : int
    mlp_dim : int
        Hidden width of each feed-forward network.
    in_channels : int
    dropout : float
    dtype, generator :
        Parameter dtype; generator for the initial values (positions and class token
        ~ N(0, 0.02)) and dropout.

    Shapes: input ``(N, in_channels, image_size, image_size)``, output ``(N, num_classes)``.
    """

    def __init__(
        self,
        image_size: int = 28,
        patch_size: int = 7,
        num_classes: int = 10,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_dim: int = 128,
        in_channels: int = 1,
        dropout: float = 0.0,
        dtype: Any = np.float32,
        generator: Any = None,
    ) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(
                f"ViT: image_size={image_size} is not a multiple of patch_size={patch_size}"
            )
        rng = make_rng(generator)
        self.image_size, self.patch_size = image_size, patch_size
        # BEGIN SOLUTION
        n_patches = (image_size // patch_size) ** 2
        self.patch_embed = Conv2d(
            in_channels, dim, patch_size, stride=patch_size, dtype=dtype, generator=rng
        )
        self.cls_token = Parameter(np.zeros((1, 1, dim), dtype=dtype))
        self.pos_embedding = Parameter(np.zeros((1, n_patches + 1, dim), dtype=dtype))
        init.trunc_normal_(self.cls_token, std=0.02, generator=rng)
        init.trunc_normal_(self.pos_embedding, std=0.02, generator=rng)
        # END SOLUTION
        self.dropout = Dropout(dropout, generator=rng)
        layer = TransformerEncoderLayer(
            dim,
            heads,
            mlp_dim,
            dropout,
            gelu_tanh,
            batch_first=True,
            norm_first=True,
            dtype=dtype,
            generator=rng,
        )
        self.encoder = TransformerEncoder(layer, depth)
        for i, lyr in enumerate(self.encoder.layers):  # fresh values per layer (not copies)
            lyr_rng = np.random.default_rng([int(rng.integers(2**31)), i])
            for p in lyr.parameters():
                if p.ndim == 2:
                    init.xavier_uniform_(p, generator=lyr_rng)
        self.norm = LayerNorm(dim, dtype=dtype)
        self.head = Linear(dim, num_classes, dtype=dtype, generator=rng)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            raise ValueError(
                f"ViT: expected images of shape (N, C, {self.image_size}, {self.image_size}), got {x.shape}"
            )
        # BEGIN SOLUTION
        N = x.shape[0]
        p = self.patch_embed(x)  # (N, D, H/P, W/P)
        D = p.shape[1]
        tokens = p.reshape(N, D, -1).transpose(1, 2)  # (N, n_patches, D)
        cls = self.cls_token.expand(N, 1, D)  # (N, 1, D)
        z = cat([cls, tokens], dim=1) + self.pos_embedding  # (N, n_patches + 1, D)
        z = self.encoder(self.dropout(z))
        return self.head(self.norm(z[:, 0]))  # (N, num_classes)
        # END SOLUTION
