r"""Group normalisation (Wu & He, 2018): layer norm within groups of channels.

The $C$ channels of an ``(N, C, *)`` input are split into $G$ groups; each example's
group (its $C/G$ channels and all positions) is normalised on its own:

$$\hat x = \frac{x - \mu_{n,g}}{\sqrt{\sigma^2_{n,g} + \epsilon}},\qquad y = \gamma_c\,\hat x + \beta_c.$$

$G = 1$ is layer norm over $(C, *)$; $G = C$ is instance norm. Like layer norm it does not
depend on the batch, so it works with the small batches of image generators (U-Nets of
diffusion models use it). Written as a composite of tensor operations: autograd derives
its backward.

>>> import numpy as np
>>> from groundup import Tensor
>>> GroupNorm(2, 4)(Tensor(np.random.default_rng(0).standard_normal((3, 4, 5)))).shape
(3, 4, 5)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module, Parameter

__all__ = ["GroupNorm", "group_norm"]


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    r"""Group norm of an ``(N, C, *)`` input (``torch.nn.functional.group_norm``).

    ``weight`` ($\gamma$) and ``bias`` ($\beta$) have shape ``(C,)``.
    """
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected an input of shape (N, C, *), got {input.shape}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise ValueError(
            f"group_norm: num_channels={c} (input shape {input.shape}) must be divisible by "
            f"num_groups={num_groups}"
        )
    x = input.reshape(n, num_groups, -1)  # (N, G, C/G * prod(*))
    # $\mu_{n,g}$, $\sigma^2_{n,g}$ (biased) over each group
    centered = x - x.mean(-1, keepdim=True)
    var = (centered * centered).mean(-1, keepdim=True)  # (N, G, 1)
    x_hat = (centered / (var + eps).sqrt()).reshape(input.shape)  # (N, C, *)
    shape = (1, c) + (1,) * (input.ndim - 2)  # broadcasts (C,) along the channel axis
    if weight is not None:
        x_hat = x_hat * weight.reshape(shape)
    if bias is not None:
        x_hat = x_hat + bias.reshape(shape)
    return x_hat


class GroupNorm(Module):
    r"""Group norm over ``num_groups`` groups of ``num_channels`` channels (``torch.nn.GroupNorm``).

    With ``affine``, learns $\gamma$ (``weight``, ones) and, unless ``bias=False``, $\beta$
    (``bias``, zeros), each of shape ``(num_channels,)``. Input ``(N, C, *)``, output the same.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = np.float32,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_channels, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm: expected an input of shape (N, {self.num_channels}, *), got {input.shape}"
            )
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
