"""Recurrent networks (curriculum Phase 6): RNN, LSTM and GRU cells and their multi-layer stacks."""

from groundup.nn_core.recurrent.gru_cell import GRU, GRUCell
from groundup.nn_core.recurrent.lstm_cell import LSTM, LSTMCell
from groundup.nn_core.recurrent.recurrence import RNNBase, RNNCellBase
from groundup.nn_core.recurrent.rnn_cell import RNN, RNNCell

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]
