"""groundup: machine learning from the ground up, in NumPy.

>>> from groundup import Tensor, no_grad
>>> w = Tensor([2.0], requires_grad=True)
>>> (w * w).sum().backward()
>>> w.grad.item()
4.0
"""

__version__ = "0.1.0"

from groundup.foundations import (
    Function,
    Tensor,
    arange,
    cat,
    einsum,
    enable_grad,
    full,
    grad,
    is_grad_enabled,
    maximum,
    minimum,
    no_grad,
    ones,
    ones_like,
    pad,
    rand,
    randn,
    set_grad_enabled,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from groundup.utils.seeding import manual_seed, seed_everything

__all__ = [
    "Function",
    "Tensor",
    "__version__",
    "arange",
    "cat",
    "einsum",
    "enable_grad",
    "full",
    "grad",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "pad",
    "rand",
    "randn",
    "seed_everything",
    "set_grad_enabled",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]
