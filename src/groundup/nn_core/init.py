r"""Weight initialisation (``torch.nn.init``): Xavier/Glorot, Kaiming/He, and friends.

Why the scale matters: for $y = Wx$ with $n_\text{in}$ independent inputs of variance
$v_x$ and weights of variance $v_W$, $\mathrm{Var}(y) = n_\text{in} v_W v_x$. Keeping
activations (forward) and gradients (backward) at a constant variance through depth
gives the two classic rules:

* Xavier/Glorot (tanh/linear nets): $\mathrm{Var}(W) = g^2 \frac{2}{n_\text{in} + n_\text{out}}$;
* Kaiming/He (ReLU nets): $\mathrm{Var}(W) = \frac{g^2}{n_\text{mode}}$ with the gain
  $g = \sqrt{2}$ for ReLU, compensating for ReLU zeroing half of its inputs.

A uniform distribution $U(-b, b)$ has variance $b^2/3$, so the uniform versions use the
bound $b = \sqrt{3}\,\sigma$.

Every function fills its tensor *in place* (the trailing underscore) from a
``np.random.Generator`` (``generator=``; the library's default one when omitted) and
returns it. ``tensor`` may be a Tensor/Parameter or an ``ndarray``.

>>> import numpy as np
>>> from groundup.nn_core.module import Parameter
>>> w = Parameter(np.zeros((256, 784), dtype=np.float32))
>>> _ = kaiming_uniform_(w, nonlinearity="relu", generator=np.random.default_rng(0))
>>> bool(abs(w.data.std() - np.sqrt(2 / 784)) < 1e-3)
True
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.utils.seeding import make_rng

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

T = TypeVar("T", Tensor, np.ndarray)

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid", "identity")  # fmt: skip


def _array(tensor: Any) -> np.ndarray:
    if isinstance(tensor, Tensor):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"expected a Tensor or an ndarray to initialise, got {type(tensor).__name__}")


def _is_empty(tensor: Any) -> bool:
    """A tensor with no elements: there is nothing to initialise (PyTorch warns and returns)."""
    return _array(tensor).size == 0


def _fill(tensor: T, values: np.ndarray) -> T:
    arr = _array(tensor)
    arr[...] = values  # in place, cast to the tensor's dtype
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain $g$ for a nonlinearity (as ``torch.nn.init.calculate_gain``).

    ``linear``/``conv*``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: $\sqrt 2$;
    ``leaky_relu`` with slope $a$ (``param``, default 0.01): $\sqrt{2/(1+a^2)}$; ``selu``: 3/4.
    """
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, int | float):
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        else:
            slope = param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    r"""$(n_\text{in}, n_\text{out})$ of a weight of shape ``(out, in, *kernel)``.

    Fan-in is ``in * prod(kernel)`` and fan-out is ``out * prod(kernel)`` (a conv kernel
    of shape $(C_\text{out}, C_\text{in}, k_h, k_w)$ sees $C_\text{in} k_h k_w$ inputs).
    """
    shape = np.shape(_array(tensor))
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
            f"got shape {shape}"
        )
    # BEGIN SOLUTION
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field
    # END SOLUTION


def _calculate_correct_fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor: T, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> T:
    """Fill with draws from $U(a, b)$."""
    if not a <= b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    rng = make_rng(generator)
    return _fill(tensor, rng.uniform(a, b, size=np.shape(_array(tensor))))


def normal_(
    tensor: T, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None
) -> T:
    r"""Fill with draws from $\mathcal N(\mu, \sigma^2)$ (``mean``, ``std``)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    rng = make_rng(generator)
    return _fill(tensor, rng.normal(mean, std, size=np.shape(_array(tensor))))


def trunc_normal_(
    tensor: T,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: np.random.Generator | None = None,
) -> T:
    r"""Fill with $\mathcal N(\mu, \sigma^2)$ draws restricted to $[a, b]$ (by redrawing outliers)."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    rng = make_rng(generator)
    shape = np.shape(_array(tensor))
    out = rng.normal(mean, std, size=shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, size=int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor: T, val: float) -> T:
    """Fill with the constant ``val``."""
    return _fill(tensor, val)


def zeros_(tensor: T) -> T:
    """Fill with 0."""
    return _fill(tensor, 0)


def ones_(tensor: T) -> T:
    """Fill with 1."""
    return _fill(tensor, 1)


def eye_(tensor: T) -> T:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    arr = _array(tensor)
    if arr.ndim != 2:
        raise ValueError(
            f"eye_: only tensors with 2 dimensions are supported, got shape {arr.shape}"
        )
    return _fill(tensor, np.eye(*arr.shape))


def xavier_uniform_(
    tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None
) -> T:
    r"""Glorot uniform: $U(-b, b)$, $b = g\sqrt{6/(n_\text{in} + n_\text{out})}$."""
    if _is_empty(tensor):
        return tensor
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    # BEGIN SOLUTION
    # $\sigma = g\sqrt{2/(n_\text{in}+n_\text{out})}$, $b = \sqrt3\,\sigma$
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    b = math.sqrt(3.0) * std
    return uniform_(tensor, -b, b, generator)
    # END SOLUTION


def xavier_normal_(tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None) -> T:
    r"""Glorot normal: $\mathcal N(0, \sigma^2)$, $\sigma = g\sqrt{2/(n_\text{in} + n_\text{out})}$."""
    if _is_empty(tensor):
        return tensor
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> T:
    r"""He uniform: $U(-b, b)$, $b = g\sqrt{3/n_\text{mode}}$, $g$ = ``calculate_gain(nonlinearity, a)``.

    ``a`` is the negative slope of the leaky ReLU that follows (PyTorch's ``Linear`` uses
    ``a = sqrt(5)``, which gives $b = 1/\sqrt{n_\text{in}}$).
    """
    if _is_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    # BEGIN SOLUTION
    # $\sigma = g/\sqrt{n}$, $b = \sqrt3\,\sigma$
    std = gain / math.sqrt(fan)
    b = math.sqrt(3.0) * std
    return uniform_(tensor, -b, b, generator)
    # END SOLUTION


def kaiming_normal_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> T:
    r"""He normal: $\mathcal N(0, \sigma^2)$, $\sigma = g/\sqrt{n_\text{mode}}$."""
    if _is_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None) -> T:
    r"""A (semi-)orthogonal matrix times ``gain``: $Q$ of the QR decomposition of a Gaussian matrix.

    Trailing dimensions are flattened, so the result is orthogonal as a
    ``(shape[0], prod(shape[1:]))`` matrix. The signs of $\mathrm{diag}(R)$ are folded into
    $Q$ so that $Q$ is uniformly (Haar) distributed.
    """
    arr = _array(tensor)
    if arr.ndim < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {arr.shape}"
        )
    rows, cols = arr.shape[0], arr.size // arr.shape[0]
    flat = make_rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(arr.shape))
