r"""The multi-layer perceptron: affine maps with nonlinearities between them.

$$h_0 = x,\qquad h_\ell = \mathrm{Dropout}\big(\phi(\mathrm{BN}(h_{\ell-1}W_\ell^\top + b_\ell))\big),
\qquad y = h_L W_{L+1}^\top + b_{L+1},$$

with the batch norm (BN) and dropout optional. Without $\phi$ the whole stack would be a
single affine map; with it, one hidden layer of enough units can approximate any
continuous function on a compact set (the universal approximation theorem), and more
layers do it with far fewer units. The output layer has no activation: it returns logits
(for cross-entropy) or unbounded values (for regression).

>>> import numpy as np
>>> from groundup import Tensor
>>> net = MLP(784, [256, 256], 10, dropout=0.2, generator=np.random.default_rng(0))
>>> net(Tensor(np.zeros((32, 784), dtype=np.float32))).shape
(32, 10)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from groundup.nn_core.activations.gelu import GELU
from groundup.nn_core.activations.relu import ELU, LeakyReLU, ReLU
from groundup.nn_core.activations.sigmoid import Sigmoid, SiLU
from groundup.nn_core.activations.tanh import Tanh
from groundup.nn_core.containers import Sequential
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.normalization.batchnorm import BatchNorm1d
from groundup.nn_core.regularization.dropout import Dropout
from groundup.utils.seeding import make_rng

__all__ = ["MLP"]

ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "silu": SiLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
}


def _make_activation(activation: str | Callable[[], Module]) -> Module:
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} "
                "or pass a Module class"
            )
        return ACTIVATIONS[activation]()
    module = activation()
    if not isinstance(module, Module):
        raise TypeError(f"MLP: activation() must return a Module, got {type(module).__name__}")
    return module


class MLP(Sequential):
    """``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` per hidden layer, then a ``Linear``.

    A `Sequential`, so ``state_dict`` keys are ``"0.weight"``, ``"0.bias"``, ... and
    ``net[0]`` is the first layer.

    Parameters
    ----------
    in_features : int
        Size of the input's last axis.
    hidden_sizes : sequence of int
        Width of each hidden layer (empty: a single linear layer).
    out_features : int
        Size of the output (e.g. the number of classes).
    activation : str or callable returning a Module
        ``"relu"`` (default), ``"leaky_relu"``, ``"elu"``, ``"gelu"``, ``"silu"``,
        ``"tanh"``, ``"sigmoid"``, or e.g. ``lambda: LeakyReLU(0.2)``.
    dropout : float
        Drop probability after each hidden activation (0: no Dropout layers).
    batchnorm : bool
        Put a ``BatchNorm1d`` between each hidden linear layer and its activation.
    dtype : numpy dtype
        Of the parameters.
    generator : np.random.Generator, optional
        For the initial weights and the dropout masks.

    Shapes: input ``(N, in_features)``, output ``(N, out_features)``.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        out_features: int,
        activation: str | Callable[[], Module] = "relu",
        dropout: float = 0.0,
        batchnorm: bool = False,
        dtype: Any = np.float32,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        rng = make_rng(generator)
        # BEGIN SOLUTION
        layers: list[Module] = []
        width = in_features
        for hidden in hidden_sizes:
            layers.append(Linear(width, hidden, dtype=dtype, generator=rng))
            if batchnorm:
                layers.append(BatchNorm1d(hidden, dtype=dtype))
            layers.append(_make_activation(activation))
            if dropout > 0:
                layers.append(Dropout(dropout, generator=generator))
            width = hidden
        layers.append(Linear(width, out_features, dtype=dtype, generator=rng))
        super().__init__(*layers)
        self.in_features = in_features
        self.hidden_sizes = tuple(hidden_sizes)
        self.out_features = out_features
        # END SOLUTION
