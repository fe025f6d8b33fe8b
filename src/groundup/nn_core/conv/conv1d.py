r"""1-D convolution over sequences, ``(N, C, L)``: the 2-D convolution with height 1.

$$y[n, o, t] = b_o + \sum_{c \in \text{group}(o)} \sum_{j} W[o, c, j]\; \tilde x[n, c, s t + d j]$$

A sequence is an image of height 1 and the kernel a $1 \times k$ one, so ``conv1d`` is
``conv2d`` on ``x[:, :, None, :]``: the same im2col forward, the same two gradient GEMMs
(see :mod:`groundup.nn_core.conv.conv2d` for the formulas).

>>> import numpy as np
>>> from groundup import Tensor
>>> conv1d(Tensor(np.ones((2, 3, 10))), Tensor(np.ones((4, 3, 3))), padding="same").shape
(2, 4, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.conv.conv2d import _check_channels, conv2d, reset_conv_parameters
from groundup.nn_core.module import Module, Parameter


def _single(value: int | Sequence[int], name: str) -> int:
    if isinstance(value, int | np.integer):
        return int(value)
    values = tuple(value)
    if len(values) != 1:
        raise ValueError(f"conv1d: {name} must be an int or a 1-tuple, got {value!r}")
    return int(values[0])


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    r"""1-D convolution (``torch.nn.functional.conv1d``).

    Parameters
    ----------
    input : Tensor of shape ``(N, C, L)`` or ``(C, L)``
    weight : Tensor of shape ``(O, C/groups, k)``
    bias : Tensor of shape ``(O,)``, optional
    stride, dilation : int
    padding : int, ``'valid'`` or ``'same'``
    groups : int

    Returns
    -------
    Tensor of shape ``(N, O, L_o)``, $L_o = \lfloor (L + 2p - d(k-1) - 1)/s \rfloor + 1$.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    if x.ndim not in (2, 3):
        raise ValueError(f"conv1d: expected a 3-D input (N, C, L), got shape {tuple(x.shape)}")
    if w.ndim != 3:
        raise ValueError(
            f"conv1d: expected a 3-D weight (out_channels, in_channels/groups, k), "
            f"got shape {tuple(w.shape)}"
        )
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding"))
    stride_, dilation_ = (1, _single(stride, "stride")), (1, _single(dilation, "dilation"))
    # a sequence is an image of height 1: (N, C, L) -> (N, C, 1, L)
    y = conv2d(x.unsqueeze(-2), w.unsqueeze(-2), bias, stride_, pad, dilation_, groups)
    return y.squeeze(-2)  # (N, O, L_o)


class Conv1d(Module):
    r"""1-D convolution layer (``torch.nn.Conv1d``); see :func:`conv1d`.

    Shapes: input ``(N, C, L)``, output ``(N, O, L_o)``; ``weight`` is
    ``(O, C/groups, k)``, ``bias`` is ``(O,)``. Initialised as PyTorch.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_channels("Conv1d", in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(
                f"Conv1d: only padding_mode='zeros' is implemented, got {padding_mode!r}"
            )
        if padding == "same" and _single(stride, "stride") != 1:
            raise ValueError(f"Conv1d: padding='same' needs stride 1, got stride {stride!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = (_single(kernel_size, "kernel_size"),)
        self.stride = (_single(stride, "stride"),)
        self.padding = padding if isinstance(padding, str) else (_single(padding, "padding"),)
        self.dilation = (_single(dilation, "dilation"),)
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(
            np.empty((out_channels, in_channels // groups, self.kernel_size[0]), dtype=dtype)
        )
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's default: $U(-1/\\sqrt{\\text{fan\\_in}}, 1/\\sqrt{\\text{fan\\_in}})$."""
        reset_conv_parameters(
            self, self.in_channels // self.groups * self.kernel_size[0], generator
        )

    def forward(self, input: Tensor) -> Tensor:
        return conv1d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}"
        )
