"""The engine: `Tensor`, reverse-mode autograd and the gradient check (curriculum Phase 1)."""

from groundup.foundations.autograd import (
    Function,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from groundup.foundations.computational_graph import (
    Tensor,
    cat,
    maximum,
    minimum,
    pad,
    stack,
    where,
)
from groundup.foundations.factories import (
    arange,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from groundup.foundations.ops.einsum import einsum

__all__ = [
    "Function",
    "Tensor",
    "arange",
    "cat",
    "einsum",
    "enable_grad",
    "full",
    "grad",
    "is_grad_enabled",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "pad",
    "rand",
    "randn",
    "set_grad_enabled",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]
