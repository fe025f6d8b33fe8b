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

from typing import Any

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.layers.linear import linear
from groundup.nn_core.recurrent.recurrence import RNNBase, RNNCellBase, State

__all__ = ["LSTM", "LSTMCell", "lstm_step"]


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
    a = x_proj + linear(h, w_hh, b_hh)  # (B, 4H)
    # $i, f = \sigma(a_i), \sigma(a_f)$ (adjacent blocks: one sigmoid)
    i_f = a[..., : 2 * H].sigmoid()  # (B, 2H)
    i, f = i_f[..., :H], i_f[..., H:]  # (B, H) each
    g = a[..., 2 * H : 3 * H].tanh()  # (B, H)
    o = a[..., 3 * H :].sigmoid()  # (B, H)
    # $c_t = f \odot c_{t-1} + i \odot g$
    c = f * c + i * g  # (B, H)
    # $h_t = o \odot \tanh(c_t)$
    h = o * c.tanh()  # (B, H)
    return h, c


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
