r"""What RNN, LSTM and GRU share: parameters, shape checks, and unrolling over time.

A recurrent layer applies one *cell* at every time step,

$$s_t = \mathrm{cell}(x_t W_{ih}^\top + b_{ih},\; s_{t-1}),$$

where the state $s$ is $h$ (RNN, GRU) or $(h, c)$ (LSTM). The three cells differ only in
their step function (``rnn_step``, ``lstm_step``, ``gru_step`` in the files next to this
one) and in how many gate blocks their weights stack (1, 4, 3). Everything else lives
here, once:

* :class:`RNNCellBase`: the parameters of one cell (``weight_ih``, ``weight_hh``,
  ``bias_ih``, ``bias_hh``) and the checks of its input and state;
* :class:`RNNBase`: a stack of ``num_layers`` layers, each run forwards (and backwards
  in time when ``bidirectional``), with PyTorch's parameter names (``weight_ih_l0``,
  ``weight_hh_l0_reverse``, ...), so a PyTorch ``state_dict`` loads as it is.

**Efficiency.** The input projection $X W_{ih}^\top + b_{ih}$ does not depend on the
state, so it is one matrix product over all $T$ steps per layer and direction; only the
$h_{t-1} W_{hh}^\top$ part runs inside the loop over time. Reading step $t$ of that
projection with plain indexing would cost a full ``(T, B, G)`` gradient array per step in
the backward pass ($O(T^2)$); ``x.unbind(0)`` writes the $T$ step gradients into one
shared buffer instead ($O(T)$; :class:`~groundup.foundations.ops.indexing.SplitPiece`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor, cat, stack
from groundup.nn_core import init
from groundup.nn_core.layers.linear import linear
from groundup.nn_core.module import Module, Parameter
from groundup.nn_core.regularization.dropout import dropout
from groundup.utils.seeding import make_rng

__all__ = ["RNNBase", "RNNCellBase", "time_steps"]


def time_steps(x: Tensor) -> list[Tensor]:
    """The slices ``x[0], ..., x[T-1]`` of a ``(T, ...)`` tensor: ``list(x.unbind(0))``.

    Kept for code written before ``unbind`` had an $O(T)$ backward.

    >>> x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    >>> steps = time_steps(x)
    >>> (steps[0] * 1.0 + steps[2] * 2.0).sum().backward()
    >>> x.grad.tolist()
    [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    """
    return list(x.unbind(0))


State = tuple[Tensor, ...]


# ---------------------------------------------------------------------- shared checks
def _check_state(name: str, arg: str, state: Any, expected: tuple[int, ...]) -> Tensor:
    if not isinstance(state, Tensor):
        state = Tensor(state)
    if tuple(state.shape) != expected:
        raise ValueError(
            f"{name}: expected hidden state {arg} of shape {expected}, got {tuple(state.shape)}"
        )
    return state


def _check_features(name: str, input: Tensor, input_size: int) -> None:
    if input.shape[-1] != input_size:
        raise ValueError(
            f"{name}: input has {input.shape[-1]} features (input of shape {tuple(input.shape)}), "
            f"but input_size={input_size} was expected"
        )


def _uniform_parameter(shape: tuple[int, ...], bound: float, rng: np.random.Generator) -> Parameter:
    p = Parameter(np.empty(shape, dtype=np.float32))
    # PyTorch's init of every recurrent weight: $U(-1/\sqrt{H}, 1/\sqrt{H})$
    init.uniform_(p, -bound, bound, generator=rng)
    return p


# ---------------------------------------------------------------------- one cell
class RNNCellBase(Module):
    """The parameters and checks of one cell; subclasses define ``_step`` and ``_num_states``.

    ``weight_ih`` has shape ``(gates * hidden_size, input_size)``, ``weight_hh``
    ``(gates * hidden_size, hidden_size)``, the biases ``(gates * hidden_size,)``.
    """

    _gates = 1
    _num_states = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"{type(self).__name__}: input_size and hidden_size must be positive, "
                f"got input_size={input_size}, hidden_size={hidden_size}"
            )
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rng, bound = make_rng(generator), 1.0 / math.sqrt(hidden_size)
        G = self._gates * hidden_size
        self.weight_ih = _uniform_parameter((G, input_size), bound, rng)
        self.weight_hh = _uniform_parameter((G, hidden_size), bound, rng)
        self.bias_ih = _uniform_parameter((G,), bound, rng) if bias else None
        self.bias_hh = _uniform_parameter((G,), bound, rng) if bias else None

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        raise NotImplementedError

    def _cell_forward(self, input: Tensor, hx: Any) -> State:
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(
                f"{name}: expected input of shape (batch, input_size) or (input_size,), "
                f"got shape {tuple(input.shape)}"
            )
        _check_features(name, input, self.input_size)
        expected = tuple(input.shape[:-1]) + (self.hidden_size,)  # (B, H) or (H,)
        if hx is None:
            zeros = Tensor._make(np.zeros(expected, dtype=input.dtype), False)
            state: State = (zeros,) * self._num_states
        else:
            hx = (hx,) if self._num_states == 1 else tuple(hx)
            args = ("hx",) if self._num_states == 1 else ("h0", "c0")
            state = tuple(_check_state(name, a, s, expected) for a, s in zip(args, hx))
        # $x W_{ih}^\top + b_{ih}$, then one step of the cell
        x_proj = linear(input, self.weight_ih, self.bias_ih)  # (B, G)
        return self._step(x_proj, state, self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


# ---------------------------------------------------------------------- layers over time
class RNNBase(Module):
    """A stack of recurrent layers over a sequence; subclasses define ``_step`` and ``_num_states``.

    Input ``(T, B, input_size)`` (``(B, T, input_size)`` with ``batch_first``, or
    unbatched ``(T, input_size)``); output ``(T, B, D * hidden_size)`` with ``D = 2``
    when ``bidirectional``; final states ``(num_layers * D, B, hidden_size)``.
    """

    _gates = 1
    _num_states = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, got "
                f"input_size={input_size}, hidden_size={hidden_size}, num_layers={num_layers}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        rng, bound = make_rng(generator), 1.0 / math.sqrt(hidden_size)
        self._dropout_rng = rng
        D, G = (2 if bidirectional else 1), self._gates * hidden_size
        # PyTorch's order: per layer, per direction: w_ih, w_hh, b_ih, b_hh
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else D * hidden_size
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                setattr(self, "weight_ih" + sfx, _uniform_parameter((G, layer_in), bound, rng))
                setattr(self, "weight_hh" + sfx, _uniform_parameter((G, hidden_size), bound, rng))
                if bias:
                    setattr(self, "bias_ih" + sfx, _uniform_parameter((G,), bound, rng))
                    setattr(self, "bias_hh" + sfx, _uniform_parameter((G,), bound, rng))

    def _step(self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        raise NotImplementedError

    def _run_direction(
        self, x_proj: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, reverse: bool
    ) -> tuple[Tensor, State]:
        """All $T$ steps of one layer in one direction: the outputs ``(T, B, H)``, the last state.

        Unrolled here with ``_step``; a subclass may run the whole sequence as one op.
        """
        T = x_proj.shape[0]
        steps = x_proj.unbind(0)  # T x (B, G), an O(T) backward
        ys: list[Any] = [None] * T
        for t in range(T - 1, -1, -1) if reverse else range(T):
            state = self._step(steps[t], state, w_hh, b_hh)
            ys[t] = state[0]
        return stack(ys), state

    def _weights(self, layer: int, direction: int) -> tuple[Any, ...]:
        sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        b_ih = getattr(self, "bias_ih" + sfx) if self.bias else None
        b_hh = getattr(self, "bias_hh" + sfx) if self.bias else None
        return getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx), b_ih, b_hh

    def _initial_states(self, hx: Any, B: int, dtype: np.dtype) -> State:
        name = type(self).__name__
        expected = ((2 if self.bidirectional else 1) * self.num_layers, B, self.hidden_size)
        if hx is None:
            zeros = Tensor._make(np.zeros(expected, dtype=dtype), False)
            return (zeros,) * self._num_states
        if self._num_states == 1:
            return (_check_state(name, "h0", hx, expected),)
        if not isinstance(hx, tuple | list) or len(hx) != self._num_states:
            raise ValueError(f"{name}: expected hx to be a tuple (h0, c0), got {type(hx).__name__}")
        return tuple(_check_state(name, a, s, expected) for a, s in zip(("h0", "c0"), hx))

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        """Run the stack over the sequence; returns ``(output, h_n)`` or ``(output, (h_n, c_n))``."""
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{name}: expected a 3-D input (seq, batch, features) or 2-D unbatched input, "
                f"got shape {tuple(input.shape)}"
            )
        _check_features(name, input, self.input_size)
        batched = input.ndim == 3
        if not batched:  # (T, I) -> (T, 1, I); states (L*D, H) -> (L*D, 1, H)
            input = input.unsqueeze(1)
            if hx is not None:
                hx = hx.unsqueeze(1) if self._num_states == 1 else tuple(s.unsqueeze(1) for s in hx)
        elif self.batch_first:
            input = input.transpose(0, 1)  # (T, B, I)
        B = input.shape[1]
        states = self._initial_states(hx, B, input.dtype)  # each (L*D, B, H)
        D = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in range(self._num_states)]
        x = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                # $X W_{ih}^\top + b_{ih}$ for all $T$ steps: one GEMM per layer and direction
                x_proj = linear(x, w_ih, b_ih)  # (T, B, G)
                state = tuple(s[layer * D + direction] for s in states)  # each (B, H)
                y, state = self._run_direction(x_proj, state, w_hh, b_hh, direction == 1)
                outputs.append(y)  # (T, B, H)
                for final, s in zip(finals, state):
                    final.append(s)
            x = outputs[0] if D == 1 else cat(outputs, dim=2)  # (T, B, D*H)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, generator=self._dropout_rng)
        h_n = tuple(stack(final) for final in finals)  # each (L*D, B, H)
        if not batched:
            x, h_n = x.squeeze(1), tuple(s.squeeze(1) for s in h_n)
        elif self.batch_first:
            x = x.transpose(0, 1)  # (B, T, D*H)
        return x, (h_n[0] if self._num_states == 1 else h_n)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for key, default in (("bias", True), ("batch_first", False), ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s + (f", dropout={self.dropout}" if self.dropout else "")
