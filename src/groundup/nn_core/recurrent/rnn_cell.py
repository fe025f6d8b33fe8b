r"""The Elman RNN: $h_t = \phi(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$.

$\phi$ is $\tanh$ (default) or ReLU. Through time the gradient is multiplied by
$W_{hh}^\top \operatorname{diag}(\phi'(\cdot))$ once per step, which is why it vanishes
or explodes over long sequences, and why the LSTM and GRU (files next to this one) add
gates. `RNNCell` is one step; `RNN` unrolls a stack of them over a sequence
(:mod:`~groundup.nn_core.recurrent.recurrence`).

>>> import numpy as np
>>> from groundup import Tensor
>>> rnn = RNN(4, 8, num_layers=2, generator=np.random.default_rng(0))
>>> output, h_n = rnn(Tensor(np.zeros((5, 3, 4), dtype=np.float32)))
>>> output.shape, h_n.shape
((5, 3, 8), (2, 3, 8))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.layers.linear import linear
from groundup.nn_core.recurrent.recurrence import RNNBase, RNNCellBase, State

__all__ = ["RNN", "RNNCell", "rnn_step"]

_NONLINEARITIES = ("tanh", "relu")


def rnn_step(
    x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str = "tanh"
) -> State:
    r"""One step $h_t = \phi(a_t)$, $a_t = x_{\text{proj}} + h_{t-1} W_{hh}^\top + b_{hh}$.

    Parameters
    ----------
    x_proj : Tensor of shape ``(B, H)``
        $x_t W_{ih}^\top + b_{ih}$.
    state : tuple ``(h,)`` with ``h`` of shape ``(B, H)``
    w_hh : Tensor of shape ``(H, H)``
    b_hh : Tensor of shape ``(H,)`` or None
    nonlinearity : {"tanh", "relu"}

    Returns
    -------
    tuple ``(h_t,)``, ``h_t`` of shape ``(B, H)``
    """
    # BEGIN SOLUTION
    (h,) = state
    a = x_proj + linear(h, w_hh, b_hh)  # (B, H)
    return (a.tanh() if nonlinearity == "tanh" else a.relu(),)
    # END SOLUTION


def _check_nonlinearity(nonlinearity: str) -> str:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}: expected 'tanh' or 'relu'")
    return nonlinearity


class RNNCell(RNNCellBase):
    """One step of an Elman RNN (``torch.nn.RNNCell``).

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
        Whether to use ``bias_ih`` and ``bias_hh``.
    nonlinearity : {"tanh", "relu"}
    generator : np.random.Generator, optional
        Source of the init $U(-1/\\sqrt{H}, 1/\\sqrt{H})$.

    Input ``(B, input_size)`` or ``(input_size,)``, ``hx`` of shape ``(B, hidden_size)``
    (zeros when omitted); returns ``h'`` of shape ``(B, hidden_size)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, generator)
        self.nonlinearity = _check_nonlinearity(nonlinearity)

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return rnn_step(x_proj, state, w_hh, b_hh, self.nonlinearity)

    def forward(self, input: Tensor, hx: Any = None) -> Tensor:
        return self._cell_forward(input, hx)[0]


class RNN(RNNBase):
    """A multi-layer Elman RNN over a sequence (``torch.nn.RNN``).

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
    nonlinearity : {"tanh", "relu"}
    bias : bool
    batch_first : bool
        Input and output as ``(B, T, features)`` instead of ``(T, B, features)``.
    dropout : float
        Dropout on the outputs of every layer but the last (training mode only).
    bidirectional : bool
    generator : np.random.Generator, optional

    ``forward(input, h0=None)`` returns ``(output, h_n)``: output ``(T, B, D*H)``,
    ``h_n`` ``(num_layers*D, B, H)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            generator,
        )
        self.nonlinearity = _check_nonlinearity(nonlinearity)

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        return rnn_step(x_proj, state, w_hh, b_hh, self.nonlinearity)
