r"""Long short-term memory (Hochreiter & Schmidhuber, 1997), in PyTorch's gate order i, f, g, o.

With $a = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$ split into four blocks
of size $H$:

$$i = \sigma(a_i),\quad f = \sigma(a_f),\quad g = \tanh(a_g),\quad o = \sigma(a_o),$$
$$c_t = f \odot c_{t-1} + i \odot g,\qquad h_t = o \odot \tanh(c_t).$$

The cell state $c$ is updated additively, so its gradient through time is multiplied
by $f$ rather than by a weight matrix: with $f \approx 1$ it survives many steps.
`LSTMCell` is one step; `LSTM` unrolls a stack of them
(:mod:`~groundup.nn_core.recurrent.recurrence`).

>>> import numpy as np
>>> from groundup import Tensor
>>> lstm = LSTM(4, 8, batch_first=True, bidirectional=True, generator=np.random.default_rng(0))
>>> output, (h_n, c_n) = lstm(Tensor(np.zeros((3, 5, 4), dtype=np.float32)))
>>> output.shape, h_n.shape, c_n.shape
((3, 5, 16), (2, 3, 8), (2, 3, 8))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled
from groundup.foundations.computational_graph import Tensor, cat
from groundup.nn_core.layers.linear import linear
from groundup.nn_core.recurrent.recurrence import RNNBase, RNNCellBase, State
from groundup.utils.math_utils import sigmoid as np_sigmoid

__all__ = ["LSTM", "LSTMCell", "lstm_step"]


def _gates(a: Any, H: int, sigmoid: Callable, tanh: Callable) -> tuple[Any, Any, Any, Any]:
    r"""$i, f, g, o = \sigma(a_i), \sigma(a_f), \tanh(a_g), \sigma(a_o)$ (arrays or tensors)."""
    return (
        sigmoid(a[..., :H]),
        sigmoid(a[..., H : 2 * H]),
        tanh(a[..., 2 * H : 3 * H]),
        sigmoid(a[..., 3 * H :]),
    )


def _cell_backward(
    g_h: Any, g_c: Any, i: Any, f: Any, g: Any, o: Any, tanh_c: Any, c_prev: Any
) -> tuple[tuple[Any, Any, Any, Any], Any]:
    r"""The chain rule through one cell, on arrays or tensors alike (only ``* + -``).

    With $\bar h, \bar c$ the gradients arriving at $h_t, c_t$:

    $$\bar c \mathrel{+}= \bar h\, o\,(1 - \tanh^2 c_t),\quad
    \bar a_i = \bar c\, g\, i(1-i),\quad \bar a_f = \bar c\, c_{t-1} f(1-f),\quad
    \bar a_g = \bar c\, i\,(1-g^2),\quad \bar a_o = \bar h \tanh(c_t)\, o(1-o),\quad
    \bar c_{t-1} = \bar c\, f.$$
    """
    # BEGIN SOLUTION
    g_c = g_c + g_h * o * (1.0 - tanh_c * tanh_c)
    d_i = g_c * g * i * (1.0 - i)
    d_f = g_c * c_prev * f * (1.0 - f)
    d_g = g_c * i * (1.0 - g * g)
    d_o = g_h * tanh_c * o * (1.0 - o)
    return (d_i, d_f, d_g, d_o), g_c * f
    # END SOLUTION


class LSTMPointwise(Function):
    r"""The elementwise half of an LSTM step, fused: $(a, c_{t-1}) \mapsto [h_t; c_t]$.

    $a$ ``(B, 4H)`` holds the pre-activations i, f, g, o; the output ``(B, 2H)`` is $h_t$
    then $c_t$. Written as a dozen tensor operations this is most of an LSTM's graph
    (and of its time in Python); as one op the forward saves $i, f, g, o, \tanh c_t$
    and the backward is :func:`_cell_backward` on those arrays. A recorded backward
    (``create_graph=True``) runs the same formulas on tensors recomputed from $a$, so
    second derivatives still work.
    """

    @staticmethod
    def forward(ctx: Node, a: np.ndarray, c_prev: np.ndarray) -> np.ndarray:
        # BEGIN SOLUTION
        H = ctx.H = c_prev.shape[-1]
        i, f, g, o = _gates(a, H, np_sigmoid, np.tanh)  # (B, H) each
        # $c_t = f \odot c_{t-1} + i \odot g$
        c = f * c_prev + i * g  # (B, H)
        tanh_c = np.tanh(c)
        ctx.saved = (i, f, g, o, tanh_c)
        # $h_t = o \odot \tanh(c_t)$
        return np.concatenate([o * tanh_c, c], axis=-1)  # (B, 2H)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        H, (a, c_prev) = ctx.H, ctx.inputs
        if is_grad_enabled():  # recorded: the same chain rule on tensors, differentiable
            i, f, g, o = _gates(a, H, Tensor.sigmoid, Tensor.tanh)
            tanh_c = (f * c_prev + i * g).tanh()
            d_gates, d_c_prev = _cell_backward(
                grad[..., :H], grad[..., H:], i, f, g, o, tanh_c, c_prev
            )
            return cat(list(d_gates), dim=-1), d_c_prev
        g_all = grad.data
        d_gates, d_c_prev = _cell_backward(g_all[..., :H], g_all[..., H:], *ctx.saved, c_prev.data)
        return Tensor._make(np.concatenate(d_gates, axis=-1), False), Tensor._make(d_c_prev, False)


def lstm_step(x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    r"""One step: $c_t = f \odot c_{t-1} + i \odot g$, $h_t = o \odot \tanh c_t$.

    Parameters
    ----------
    x_proj : Tensor of shape ``(B, 4H)``
        $x_t W_{ih}^\top + b_{ih}$, blocks i, f, g, o.
    state : tuple ``(h, c)``, each of shape ``(B, H)``
    w_hh : Tensor of shape ``(4H, H)``
    b_hh : Tensor of shape ``(4H,)`` or None

    Returns
    -------
    tuple ``(h_t, c_t)``, each of shape ``(B, H)``
    """
    h, c = state
    H = h.shape[-1]
    # $a = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$
    a = x_proj + linear(h, w_hh, b_hh)  # (B, 4H)
    h_c = LSTMPointwise.apply(a, c)  # (B, 2H)
    return h_c[..., :H], h_c[..., H:]


class LSTMCell(RNNCellBase):
    """One LSTM step (``torch.nn.LSTMCell``).

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    generator : np.random.Generator, optional

    Input ``(B, input_size)`` or ``(input_size,)``, ``hx = (h, c)`` each of shape
    ``(B, hidden_size)`` (zeros when omitted); returns ``(h', c')``. Weights stack the
    blocks i, f, g, o: ``weight_ih`` is ``(4*hidden_size, input_size)``.
    """

    _gates = 4
    _num_states = 2

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return lstm_step(x_proj, state, w_hh, b_hh)

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:
        h, c = self._cell_forward(input, hx)
        return h, c


class LSTM(RNNBase):
    """A multi-layer LSTM over a sequence (``torch.nn.LSTM``, without ``proj_size``).

    Parameters
    ----------
    input_size, hidden_size, num_layers : int
    bias, batch_first, bidirectional : bool
    dropout : float
        Dropout on the outputs of every layer but the last (training mode only).
    generator : np.random.Generator, optional

    ``forward(input, (h0, c0)=None)`` returns ``(output, (h_n, c_n))``: output
    ``(T, B, D*H)`` (``(B, T, D*H)`` with ``batch_first``), states ``(num_layers*D, B, H)``.
    """

    _gates = 4
    _num_states = 2

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return lstm_step(x_proj, state, w_hh, b_hh)
