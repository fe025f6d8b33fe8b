r"""The gated recurrent unit (Cho et al., 2014), in PyTorch's gate order r, z, n.

With $a^x = x_t W_{ih}^\top + b_{ih}$ and $a^h = h_{t-1} W_{hh}^\top + b_{hh}$, each split
into three blocks of size $H$:

$$r = \sigma(a^x_r + a^h_r),\quad z = \sigma(a^x_z + a^h_z),\quad
n = \tanh\big(a^x_n + r \odot a^h_n\big),\quad h_t = (1 - z) \odot n + z \odot h_{t-1}.$$

The reset gate multiplies $a^h_n = h_{t-1} W_{hn}^\top + b_{hn}$ *including* its bias,
as PyTorch (and cuDNN) do; the original paper puts $r$ inside the product,
$(r \odot h_{t-1}) W_{hn}^\top$, which is a different function.

>>> import numpy as np
>>> from groundup import Tensor
>>> gru = GRU(4, 8, generator=np.random.default_rng(0))
>>> output, h_n = gru(Tensor(np.zeros((5, 3, 4), dtype=np.float32)))
>>> output.shape, h_n.shape
((5, 3, 8), (1, 3, 8))
"""

from __future__ import annotations

from typing import Any

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.layers.linear import linear
from groundup.nn_core.recurrent.recurrence import RNNBase, RNNCellBase, State

__all__ = ["GRU", "GRUCell", "gru_step"]


def gru_step(x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    r"""One step: $h_t = (1 - z) \odot n + z \odot h_{t-1}$.

    Parameters
    ----------
    x_proj : Tensor of shape ``(B, 3H)``
        $a^x = x_t W_{ih}^\top + b_{ih}$, blocks r, z, n.
    state : tuple ``(h,)`` with ``h`` of shape ``(B, H)``
    w_hh : Tensor of shape ``(3H, H)``
    b_hh : Tensor of shape ``(3H,)`` or None

    Returns
    -------
    tuple ``(h_t,)``, ``h_t`` of shape ``(B, H)``
    """
    # BEGIN SOLUTION
    (h,) = state
    H = h.shape[-1]
    a_h = linear(h, w_hh, b_hh)  # (B, 3H)
    # $r, z = \sigma(a^x_{r,z} + a^h_{r,z})$ (adjacent blocks: one sigmoid)
    r_z = (x_proj[..., : 2 * H] + a_h[..., : 2 * H]).sigmoid()  # (B, 2H)
    r, z = r_z[..., :H], r_z[..., H:]  # (B, H) each
    # $n = \tanh(a^x_n + r \odot a^h_n)$
    n = (x_proj[..., 2 * H :] + r * a_h[..., 2 * H :]).tanh()  # (B, H)
    # $h_t = (1 - z) \odot n + z \odot h_{t-1}$
    return ((1.0 - z) * n + z * h,)
    # END SOLUTION


class GRUCell(RNNCellBase):
    """One GRU step (``torch.nn.GRUCell``).

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    generator : np.random.Generator, optional

    Input ``(B, input_size)`` or ``(input_size,)``, ``hx`` of shape ``(B, hidden_size)``
    (zeros when omitted); returns ``h'``. Weights stack the blocks r, z, n.
    """

    _gates = 3

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return gru_step(x_proj, state, w_hh, b_hh)

    def forward(self, input: Tensor, hx: Any = None) -> Tensor:
        return self._cell_forward(input, hx)[0]


class GRU(RNNBase):
    """A multi-layer GRU over a sequence (``torch.nn.GRU``).

    Parameters
    ----------
    input_size, hidden_size, num_layers : int
    bias, batch_first, bidirectional : bool
    dropout : float
        Dropout on the outputs of every layer but the last (training mode only).
    generator : np.random.Generator, optional

    ``forward(input, h0=None)`` returns ``(output, h_n)`` with PyTorch's shapes.
    """

    _gates = 3

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return gru_step(x_proj, state, w_hh, b_hh)
