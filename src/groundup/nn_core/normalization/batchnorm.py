r"""Batch normalisation (Ioffe & Szegedy, 2015): normalise each channel over the batch.

For an input of shape $(N, C, *)$ and each channel $c$, with the $M = N \cdot \prod *$
values $x_i$ of that channel,

$$\mu = \frac1M\sum_i x_i,\quad \sigma^2 = \frac1M\sum_i (x_i - \mu)^2,\quad
\hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}},\quad y_i = \gamma\,\hat x_i + \beta.$$

While training, the layer also keeps exponential moving averages used at evaluation
time instead of the batch's statistics (PyTorch's convention: the variance stored is the
*unbiased* one, $\frac{M}{M-1}\sigma^2$):

$$\hat\mu \leftarrow (1 - m)\,\hat\mu + m\,\mu,\qquad
\hat\sigma^2 \leftarrow (1 - m)\,\hat\sigma^2 + m\,\tfrac{M}{M-1}\sigma^2,$$

with momentum $m$ (``momentum=None``: $m = 1/t$ at the $t$-th batch, a cumulative average).

The forward and backward are one fused `Function`. With $g = \partial L/\partial y$ and
$\bar{\hat x} = \gamma g$, the gradient (derived by pushing $g$ back through $\hat x$,
$\sigma^2$ and $\mu$, which all depend on every $x_i$) is

$$\frac{\partial L}{\partial x_i} = \frac{1}{\sqrt{\sigma^2 + \epsilon}}
\Big(\bar{\hat x}_i - \frac1M\sum_j \bar{\hat x}_j - \hat x_i\,\frac1M\sum_j \bar{\hat x}_j\hat x_j\Big),
\qquad \frac{\partial L}{\partial\gamma} = \sum_i g_i\hat x_i,\qquad
\frac{\partial L}{\partial\beta} = \sum_i g_i.$$

In evaluation mode $\mu, \sigma^2$ are the running constants and
$\partial L/\partial x_i = \bar{\hat x}_i/\sqrt{\hat\sigma^2 + \epsilon}$.

>>> import numpy as np
>>> from groundup import Tensor
>>> bn = BatchNorm1d(2)
>>> y = bn(Tensor(np.array([[1.0, 10.0], [3.0, 30.0]])))
>>> np.round(y.data, 3).tolist()  # each channel: mean 0, variance 1 over the batch
[[-1.0, -1.0], [1.0, 1.0]]
>>> [round(v, 6) for v in bn.running_mean.tolist()]  # 0.9 * 0 + 0.1 * batch mean
[0.2, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "batch_norm"]


def _channel_shape(ndim: int, c: int) -> tuple[int, ...]:
    return (1, c) + (1,) * (ndim - 2)  # broadcasts a (C,) vector along axis 1


def _channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""$\sum_{n, l} a_{ncl} b_{ncl}$ for each channel $c$: one pass, no temporary product."""
    n, c = a.shape[:2]
    return np.einsum("ncl,ncl->c", a.reshape(n, c, -1), b.reshape(n, c, -1))  # (C,)


class BatchNormFunction(Function):
    r"""Fused batch norm; the gradient formulas are in the module docstring."""

    @staticmethod
    def forward(
        ctx: Node,
        x: np.ndarray,
        weight: Any,
        bias: Any,
        mean: Any = None,
        var: Any = None,
        eps: float = 1e-5,
    ) -> np.ndarray:
        shape = _channel_shape(x.ndim, x.shape[1])
        ctx.axes = (0,) + tuple(range(2, x.ndim))
        ctx.eps = eps
        ctx.use_batch_stats = mean is None
        # BEGIN SOLUTION
        if ctx.use_batch_stats:
            # $\mu$, then $\sigma^2 = \frac1M\sum_i (x_i - \mu)^2$ (biased), per channel
            m = x.size // x.shape[1]
            mean = x.mean(axis=ctx.axes)  # (C,)
            centered = x - mean.reshape(shape)  # (N, C, *)
            var = _channel_dot(centered, centered) / m  # (C,)
            ctx.batch_mean, ctx.batch_var = mean, var
        else:
            centered = x - mean.reshape(shape)  # (N, C, *)
        ctx.mean = mean.reshape(shape)
        # $1/\sqrt{\sigma^2 + \epsilon}$
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False).reshape(shape)
        x_hat = centered
        x_hat *= inv_std  # (N, C, *), in place
        ctx.x_hat, ctx.inv_std = x_hat, inv_std
        y = x_hat * weight.reshape(shape) if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias.reshape(shape)
        return y
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        if is_grad_enabled():
            return _backward_differentiable(ctx, grad)
        # First-order backward on arrays. Both channel sums the formula needs come from
        # the parameter gradients: $\sum_i \bar{\hat x}_i = \gamma\,\bar\beta$ and
        # $\sum_i \bar{\hat x}_i \hat x_i = \gamma\,\bar\gamma$.
        weight = ctx.inputs[1]
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        x_hat, inv_std = ctx.x_hat, ctx.inv_std  # (N, C, *), (1, C, 1...)
        shape = inv_std.shape
        # BEGIN SOLUTION
        g = grad.data
        # $\bar\gamma = \sum_i g_i \hat x_i$, $\bar\beta = \sum_i g_i$
        g_gamma = _channel_dot(g, x_hat)  # (C,)
        g_beta = g.sum(axis=ctx.axes)  # (C,)
        gx = None
        if need_x:
            # $\gamma / \sqrt{\sigma^2 + \epsilon}$
            scale = inv_std * weight.data.reshape(shape) if weight is not None else inv_std
            if ctx.use_batch_stats:
                m = g.size // g.shape[1]
                # $\frac{\gamma}{\sqrt{\sigma^2+\epsilon}}\big(g - \frac1M\bar\beta - \hat x\,\frac1M\bar\gamma\big)$
                out = x_hat * (g_gamma / m).reshape(shape)
                np.subtract(g, out, out=out)
                out -= (g_beta / m).reshape(shape)
                out *= scale
            else:
                out = g * scale
            gx = Tensor._make(out, False)
        gw = Tensor._make(g_gamma, False) if need_w else None
        gb = Tensor._make(g_beta, False) if need_b else None
        return gx, gw, gb
        # END SOLUTION


def _backward_differentiable(ctx: Node, grad: Any) -> tuple[Any, ...]:
    """The same gradients with tensor operations, for ``create_graph=True``."""
    x, weight = ctx.inputs[0], ctx.inputs[1]
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    axes = ctx.axes
    if need_x and ctx.use_batch_stats:  # rebuild $\hat x$ from $x$: differentiable in $x$
        centered = x - x.mean(axes, keepdim=True)
        inv_std = 1.0 / ((centered * centered).mean(axes, keepdim=True) + ctx.eps).sqrt()
        x_hat = centered * inv_std
    elif need_x:  # running statistics: constants
        inv_std = Tensor._make(ctx.inv_std, False)
        x_hat = (x - ctx.mean) * inv_std
    else:
        x_hat = Tensor._make(ctx.x_hat, False)
    shape = _channel_shape(grad.ndim, grad.shape[1])
    gx = gw = gb = None
    if need_x:
        # $\bar{\hat x} = \gamma g$
        g_hat = grad * weight.reshape(shape) if weight is not None else grad
        if ctx.use_batch_stats:
            m = grad.data.size // grad.shape[1]
            mean_g = g_hat.sum(axes, keepdim=True) / m  # (1, C, 1...)
            mean_gx = (g_hat * x_hat).sum(axes, keepdim=True) / m  # (1, C, 1...)
            gx = inv_std * (g_hat - mean_g - x_hat * mean_gx)  # (N, C, *)
        else:
            gx = g_hat * inv_std  # (N, C, *)
    if need_w:
        gw = (grad * x_hat).sum(axes)  # (C,)
    if need_b:
        gb = grad.sum(axes)  # (C,)
    return gx, gw, gb


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Batch normalisation over axis 1 of an ``(N, C, *)`` input (``torch.nn.functional.batch_norm``).

    With ``training`` the batch's statistics are used and ``running_mean``/``running_var``
    (if given) are updated in place with ``momentum``; otherwise the running statistics
    are used. ``weight`` ($\gamma$) and ``bias`` ($\beta$) have shape ``(C,)``.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got {input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(
                f"batch_norm: {name} should have shape ({c},) for an input with {c} channels "
                f"(input shape {input.shape}), got {tuple(t.shape)}"
            )
    if training:
        m = input.data.size // max(c, 1)
        if m <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
        out = BatchNormFunction.apply(input, weight, bias, eps=eps)
        node = out.grad_fn
        if running_mean is not None or running_var is not None:
            mean, var = _last_batch_stats(out, input, node)
            if running_mean is not None:
                # $\hat\mu \leftarrow (1-m)\hat\mu + m\mu$
                running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean
            if running_var is not None:
                # $\hat\sigma^2 \leftarrow (1-m)\hat\sigma^2 + m\frac{M}{M-1}\sigma^2$
                unbiased = var * (m / (m - 1))
                running_var.data[...] = (1 - momentum) * running_var.data + momentum * unbiased
        return out
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are required when not training")
    return BatchNormFunction.apply(
        input, weight, bias, mean=running_mean.data, var=running_var.data, eps=eps
    )


def _last_batch_stats(out: Tensor, input: Tensor, node: Any) -> tuple[np.ndarray, np.ndarray]:
    """The batch mean and variance: saved on the node when recorded, recomputed otherwise."""
    if node is not None:
        return node.batch_mean, node.batch_var
    axes = (0,) + tuple(range(2, input.ndim))
    return input.data.mean(axis=axes), input.data.var(axis=axes)


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d, which differ only in the input rank they accept."""

    _allowed_ndim: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float32,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))  # $\gamma$
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=dtype))  # $\beta$
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            if self.bias is not None:
                self.bias.data[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self._allowed_ndim:
            want = " or ".join(f"{n}D" for n in self._allowed_ndim)
            raise ValueError(
                f"{type(self).__name__}: expected {want} input (got {input.ndim}D input of shape {input.shape})"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # cumulative moving average: $m = 1/t$
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch_stats = self.training or self.running_mean is None
        track = not use_batch_stats or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    r"""Batch norm over a ``(N, C)`` or ``(N, C, L)`` input (``torch.nn.BatchNorm1d``).

    Parameters
    ----------
    num_features : int
        $C$.
    eps : float
        $\epsilon$ added to the variance.
    momentum : float or None
        $m$ of the running averages; ``None`` for a cumulative average.
    affine : bool
        Learn $\gamma$ (``weight``, ones) and $\beta$ (``bias``, zeros), each ``(C,)``.
    bias : bool (keyword only)
        With ``affine``, whether to learn $\beta$ too.
    track_running_stats : bool
        Keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` buffers; without
        them the batch statistics are used in evaluation mode too.
    """

    _allowed_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    r"""Batch norm over each channel of a ``(N, C, H, W)`` input (``torch.nn.BatchNorm2d``).

    Same parameters as :class:`BatchNorm1d`; statistics are over $N \cdot H \cdot W$ values.
    """

    _allowed_ndim = (4,)
