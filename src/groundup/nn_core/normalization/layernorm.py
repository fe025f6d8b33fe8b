r"""Layer normalisation (Ba et al., 2016): normalise each example over its trailing axes.

For the $D$ values $x_i$ in the last ``len(normalized_shape)`` axes of one example,

$$\mu = \frac1D\sum_i x_i,\quad \sigma^2 = \frac1D\sum_i (x_i - \mu)^2,\quad
\hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}},\quad y_i = \gamma_i\,\hat x_i + \beta_i.$$

Unlike batch norm the statistics are per example, so training and evaluation compute the
same thing, it works with a batch of one, and there are no running statistics: the
normaliser of transformers.

The forward and backward are one fused `Function`. With $g = \partial L/\partial y$ and
$\bar{\hat x} = \gamma \odot g$ (the same derivation as batch norm, over the other axes):

$$\frac{\partial L}{\partial x_i} = \frac{1}{\sqrt{\sigma^2 + \epsilon}}
\Big(\bar{\hat x}_i - \frac1D\sum_j \bar{\hat x}_j - \hat x_i\,\frac1D\sum_j \bar{\hat x}_j\hat x_j\Big),
\qquad \frac{\partial L}{\partial\gamma} = \sum_{\text{examples}} g \odot \hat x,\qquad
\frac{\partial L}{\partial\beta} = \sum_{\text{examples}} g.$$

>>> import numpy as np
>>> from groundup import Tensor
>>> y = LayerNorm(4)(Tensor(np.array([[1.0, 2.0, 3.0, 4.0]])))
>>> bool(abs(y.data.mean()) < 1e-6)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module, Parameter

__all__ = ["LayerNorm", "layer_norm"]


class LayerNormFunction(Function):
    r"""Fused layer norm; the gradient formulas are in the module docstring."""

    @staticmethod
    def forward(
        ctx: Node, x: np.ndarray, weight: Any, bias: Any, n_axes: int = 1, eps: float = 1e-5
    ) -> np.ndarray:
        ctx.axes = tuple(range(x.ndim - n_axes, x.ndim))
        ctx.eps = eps
        d = int(np.prod(x.shape[x.ndim - n_axes :]))
        rows = x.reshape(-1, d)  # (N, D): one row per example
        # BEGIN SOLUTION
        # $\mu$, then $\sigma^2 = \frac1D\sum_i (x_i - \mu)^2$ as one dot product per row
        centered = rows - rows.mean(axis=1, keepdims=True)  # (N, D)
        var = np.einsum("nd,nd->n", centered, centered)[:, None] / d  # (N, 1)
        # $1/\sqrt{\sigma^2 + \epsilon}$
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)  # (N, 1)
        x_hat = centered
        x_hat *= inv_std  # (N, D), in place
        ctx.x_hat, ctx.inv_std = x_hat, inv_std
        y = x_hat.reshape(x.shape)
        y = y * weight if weight is not None else y.copy()
        if bias is not None:
            y += bias
        return y
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        if is_grad_enabled():
            return _backward_differentiable(ctx, grad)
        # first-order backward on arrays: the formulas of the module docstring, with each
        # row sum a dot product
        weight = ctx.inputs[1]
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        x_hat, inv_std = ctx.x_hat, ctx.inv_std  # (N, D), (N, 1)
        n, d = x_hat.shape
        g = grad.data.reshape(n, d)  # (N, D)
        # BEGIN SOLUTION
        gx = gw = gb = None
        if need_x:
            # $\bar{\hat x} = \gamma \odot g$
            g_hat = g * weight.data.reshape(d) if weight is not None else g  # (N, D)
            mean_g = g_hat.mean(axis=1, keepdims=True)  # (N, 1)
            mean_gx = np.einsum("nd,nd->n", g_hat, x_hat)[:, None] / d  # (N, 1)
            # $\frac{1}{\sqrt{\sigma^2+\epsilon}}(\bar{\hat x} - \overline{\bar{\hat x}} - \hat x\,\overline{\bar{\hat x}\hat x})$
            out = x_hat * mean_gx
            np.subtract(g_hat, out, out=out)
            out -= mean_g
            out *= inv_std
            gx = Tensor._make(out.reshape(grad.shape), False)
        w_shape = ctx.inputs[0].shape[len(ctx.inputs[0].shape) - len(ctx.axes) :]
        if need_w:
            # $\bar\gamma = \sum_n g_n \odot \hat x_n$
            gw = Tensor._make(np.einsum("nd,nd->d", g, x_hat).reshape(w_shape), False)
        if need_b:
            gb = Tensor._make(g.sum(axis=0).reshape(w_shape), False)
        return gx, gw, gb
        # END SOLUTION


def _backward_differentiable(ctx: Node, grad: Any) -> tuple[Any, ...]:
    """The same gradients with tensor operations, for ``create_graph=True``."""
    x, weight = ctx.inputs[0], ctx.inputs[1]
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    axes = ctx.axes
    if need_x:  # rebuild $\hat x$ from $x$ with tensor ops so it is differentiable in $x$
        centered = x - x.mean(axes, keepdim=True)
        inv_std = 1.0 / ((centered * centered).mean(axes, keepdim=True) + ctx.eps).sqrt()
        x_hat = centered * inv_std
    else:  # only the weight's gradient is needed: $\hat x$ is a constant
        x_hat = Tensor._make(ctx.x_hat.reshape(grad.shape), False)
    gx = gw = gb = None
    if need_x:
        # $\bar{\hat x} = \gamma \odot g$
        g_hat = grad * weight if weight is not None else grad
        mean_g = g_hat.mean(axes, keepdim=True)  # (*, 1...)
        mean_gx = (g_hat * x_hat).mean(axes, keepdim=True)  # (*, 1...)
        gx = inv_std * (g_hat - mean_g - x_hat * mean_gx)  # (*, D...)
    if need_w:
        gw = grad * x_hat  # summed over the leading axes by the engine
    if need_b:
        gb = grad
    return gx, gw, gb


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    r"""Normalise over the trailing ``normalized_shape`` axes (``torch.nn.functional.layer_norm``).

    Parameters
    ----------
    input : Tensor of shape ``(*, *normalized_shape)``
    normalized_shape : int or tuple of int
    weight, bias : Tensor of shape ``normalized_shape``, optional
        $\gamma$ and $\beta$.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise ValueError(
            f"layer_norm: input of shape {input.shape} does not end with normalized_shape {shape}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(
                f"layer_norm: {name} should have shape normalized_shape={shape}, got {tuple(t.shape)}"
            )
    return LayerNormFunction.apply(input, weight, bias, n_axes=k, eps=eps)


class LayerNorm(Module):
    r"""Layer norm over the trailing ``normalized_shape`` axes (``torch.nn.LayerNorm``).

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing shape to normalise over, e.g. ``d_model``.
    eps : float
        $\epsilon$ added to the variance.
    elementwise_affine : bool
        Learn $\gamma$ (``weight``, ones) and, if ``bias``, $\beta$ (zeros), of shape
        ``normalized_shape``.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
