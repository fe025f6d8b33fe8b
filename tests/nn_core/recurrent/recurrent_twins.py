"""Shared by tests/recurrent: build a groundup recurrent module and its torch twin with the same weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from groundup import nn

TORCH_DTYPE = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}

# kind -> (groundup class, torch class, extra keyword arguments)
KINDS: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "rnn_tanh": (nn.RNN, torch.nn.RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, torch.nn.LSTM, {}),
    "gru": (nn.GRU, torch.nn.GRU, {}),
}
CELLS: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "rnn_tanh": (nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (nn.LSTMCell, torch.nn.LSTMCell, {}),
    "gru": (nn.GRUCell, torch.nn.GRUCell, {}),
}


def twins(table: dict, kind: str, dtype: Any, seed: int, *args: Any, **kwargs: Any) -> tuple:
    """A torch module (seeded init) and ours carrying its weights, both in ``dtype``."""
    ours_cls, torch_cls, extra = table[kind]
    torch.manual_seed(seed)
    theirs = torch_cls(*args, **kwargs, **extra).to(TORCH_DTYPE[np.dtype(dtype)])
    ours = ours_cls(*args, **kwargs, **extra).to(dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs
