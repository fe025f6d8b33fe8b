r"""Long short-term memory (Hochreiter & Schmidhuber, 1997), in PyTorch's gate order i, f, g, o.

With $a = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$ split into four blocks
of size $H$:

$$i = \sigma(a_i),\quad f = \sigma(a_f),\quad g = \tanh(a_g),\quad o = \sigma(a_o),$$
$$c_t = f \odot c_{t-1} + i \odot g,\qquad h_t = o \odot \tanh(c_t).$$

The cell state $c$ is updated additively, so its gradient through time is multiplied
by $f$ rather than by a weight matrix: with $f \approx 1$ it survives many steps.
`LSTMCell` is one step; `LSTM` unrolls a stack of them
(:mod:`~groundup.nn_core.recurrent.recurrence`), each layer and direction as one fused
op over the whole sequence (:class:`LSTMSequence`): the loop over time runs on arrays,
and the weight gradient is one matrix product over all steps, as PyTorch's kernel does.

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
from groundup.foundations.computational_graph import Tensor, cat, stack
from groundup.nn_core.layers.linear import linear
from groundup.nn_core.recurrent.recurrence import RNNBase, RNNCellBase, State
from groundup.utils.math_utils import sigmoid as np_sigmoid

__all__ = ["LSTM", "LSTMCell", "LSTMSequence", "lstm_step"]


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


class LSTMSequence(Function):
    r"""One LSTM layer in one direction over a whole sequence, fused.

    Inputs: the input projections $X W_{ih}^\top + b_{ih}$ ``(T, B, 4H)``, $h_0, c_0$
    ``(B, H)``, $W_{hh}$ ``(4H, H)`` and $b_{hh}$ ``(4H,)`` (or None). Output
    ``(T + 1, B, H)``: $h_t$ for every step in time order, then the last cell state (for
    ``reverse`` the steps run from $T-1$ down to 0, and $c$ is the one after step 0).

    The backward runs :func:`_cell_backward` through time on the saved gates and gives

    $$\bar a_t \;(\text{the gradient of } x_{\text{proj}, t}),\quad
    \bar W_{hh} = \sum_t \bar a_t^\top h_{t-1},\quad \bar b_{hh} = \sum_t \bar a_t,\quad
    \bar h_{t-1} = \bar a_t W_{hh} + \bar y_{t-1},$$

    the sums over $t$ as one matrix product over all steps. Unrolled on tensors instead, an
    LSTM step is a handful of recorded ops, each with its own Python overhead and its own
    ``(4H, H)`` weight-gradient product (2.5x PyTorch's step, issue 14). A recorded
    backward (``create_graph=True``) runs the same formulas on tensors, so second
    derivatives still work.
    """

    @staticmethod
    def forward(
        ctx: Node,
        x_proj: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray,
        w_hh: np.ndarray,
        b_hh: Any = None,
        reverse: bool = False,
    ) -> np.ndarray:
        T, B, G = x_proj.shape
        H = G // 4
        ctx.reverse = reverse
        gates = np.empty((T, B, G), dtype=x_proj.dtype)  # i, f, g, o of every step
        tanh_c = np.empty((T, B, H), dtype=x_proj.dtype)
        h_prev = np.empty((T, B, H), dtype=x_proj.dtype)  # $h_{t-1}$ as step t saw it
        c_prev = np.empty((T, B, H), dtype=x_proj.dtype)  # $c_{t-1}$ as step t saw it
        out = np.empty((T + 1, B, H), dtype=x_proj.dtype)  # h of every step, then c
        w_t = np.ascontiguousarray(w_hh.T)  # (H, 4H): one copy, then T faster products
        x_b = x_proj if b_hh is None else x_proj + b_hh  # (T, B, 4H)
        h, c = h0, c0
        with np.errstate(over="ignore"):  # exp(-a) = inf for a < -88 gives sigma = 0, right
            for t in range(T - 1, -1, -1) if reverse else range(T):
                h_prev[t], c_prev[t] = h, c
                # $a = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$, in place
                a = np.matmul(h, w_t, out=gates[t])  # (B, 4H)
                a += x_b[t]
                g = np.tanh(a[:, 2 * H : 3 * H])  # (B, H)
                # $\sigma(a) = 1/(1 + e^{-a})$ on the whole contiguous row block, then g
                # goes back in. (Not in place on column blocks: NumPy 2.4's in-place
                # np.negative miscomputes a (B, 1) column view, i.e. H = 1.)
                np.negative(a, out=a)
                np.exp(a, out=a)
                a += 1
                np.reciprocal(a, out=a)
                a[:, 2 * H : 3 * H] = g
                i, f, o = a[:, :H], a[:, H : 2 * H], a[:, 3 * H :]  # (B, H) each
                # $c_t = f \odot c_{t-1} + i \odot g$, $h_t = o \odot \tanh c_t$
                c = f * c + i * g  # (B, H)
                np.tanh(c, out=tanh_c[t])
                h = np.multiply(o, tanh_c[t], out=out[t])  # (B, H)
        out[T] = c
        ctx.saved = (gates, tanh_c, h_prev, c_prev)
        return out

    @staticmethod
    def backward(ctx: Node, grad_out: Any) -> tuple[Any, ...]:
        if is_grad_enabled():  # recorded: differentiate the unrolled steps instead
            return _recorded_backward(ctx, grad_out)
        gates, tanh_c, h_prev, c_prev = ctx.saved
        w_hh = ctx.inputs[3].data
        T, B, G = gates.shape
        H = G // 4
        g_out = grad_out.data  # (T + 1, B, H)
        d_a = np.empty_like(gates)  # (T, B, 4H): the gradient of every x_proj step
        g_h = np.zeros_like(g_out[0])  # (B, H), what step t+1 sends back to h_t
        g_c = g_out[T].copy()  # (B, H)
        for t in range(T) if ctx.reverse else range(T - 1, -1, -1):  # the forward, reversed
            g_h += g_out[t]
            i, f, g, o = (gates[t, :, k * H : (k + 1) * H] for k in range(4))
            d_gates, g_c = _cell_backward(g_h, g_c, i, f, g, o, tanh_c[t], c_prev[t])
            for k, d in enumerate(d_gates):
                d_a[t, :, k * H : (k + 1) * H] = d
            # $\bar h_{t-1} = \bar a_t W_{hh}$
            g_h = d_a[t] @ w_hh  # (B, H)
        # $\bar W_{hh} = \sum_t \bar a_t^\top h_{t-1}$: one product over all steps
        d_a2 = d_a.reshape(T * B, G)
        g_w = d_a2.T @ h_prev.reshape(T * B, H)  # (4H, H)
        g_b = d_a2.sum(0) if ctx.inputs[4] is not None else None  # (4H,)
        make = Tensor._make
        return (
            make(d_a, False),
            make(g_h, False),
            make(g_c, False),
            make(g_w, False),
            None if g_b is None else make(g_b, False),
        )


def _recorded_backward(ctx: Node, grad_out: Tensor) -> tuple[Any, ...]:
    """:class:`LSTMSequence`'s backward written with tensor ops, for ``create_graph=True``.

    The same formulas as the array version, on the states recomputed from the inputs, so
    the gradients it returns are differentiable functions of the inputs and of ``grad_out``.
    """
    x_proj, h0, c0, w_hh, b_hh = (list(ctx.inputs) + [None])[:5]
    T, H = x_proj.shape[0], h0.shape[-1]
    order = list(range(T - 1, -1, -1) if ctx.reverse else range(T))
    saved: list[Any] = [None] * T
    h, c = h0, c0
    for t in order:  # the forward again, recorded: what each step saw
        i, f, g, o = _gates(x_proj[t] + linear(h, w_hh, b_hh), H, Tensor.sigmoid, Tensor.tanh)
        saved[t] = (i, f, g, o, h, c)
        c = f * c + i * g
        h = o * c.tanh()
    g_h, g_c = grad_out[0] * 0.0, grad_out[T]
    d_a: list[Any] = [None] * T
    g_w: Any = None
    for t in reversed(order):
        i, f, g, o, h_prev, c_prev = saved[t]
        g_h = g_h + grad_out[t]
        tanh_c = (f * c_prev + i * g).tanh()
        d_gates, g_c = _cell_backward(g_h, g_c, i, f, g, o, tanh_c, c_prev)
        d_a[t] = cat(list(d_gates), dim=-1)  # (B, 4H)
        g_h = d_a[t] @ w_hh  # (B, H)
        step_w = d_a[t].transpose(0, 1) @ h_prev  # (4H, H)
        g_w = step_w if g_w is None else g_w + step_w
    d_x = stack(d_a)  # (T, B, 4H)
    g_b = None if b_hh is None else d_x.sum(dim=(0, 1))
    return (d_x, g_h, g_c, g_w, g_b)[: len(ctx.inputs)]


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

    def _run_direction(
        self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, reverse: bool
    ) -> tuple[Tensor, State]:
        T = x_proj.shape[0]
        h0, c0 = state
        out = LSTMSequence.apply(x_proj, h0, c0, w_hh, b_hh, reverse=reverse)  # (T + 1, B, H)
        # the last step run is T - 1 forwards, 0 backwards; out[T] is its cell state
        return out[:T], (out[0] if reverse else out[T - 1], out[T])
