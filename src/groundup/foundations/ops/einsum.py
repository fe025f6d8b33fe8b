r"""``einsum``: sums of products written in Einstein's index notation.

An equation names every axis of every operand with a letter. Letters that appear in the
output are kept; every other letter is summed over:

$$\texttt{"bij,bjk->bik"}:\quad Y_{bik} = \sum_j A_{bij} B_{bjk}$$

is a batched matrix product; ``"ii->"`` is the trace, ``"i,j->ij"`` the outer product,
``"bhqd,bhkd->bhqk"`` attention's scores. Without ``->`` the output is every letter that
appears exactly once, in alphabetical order (NumPy's and PyTorch's rule); ``...`` stands
for the leading axes, broadcast as in ``@``.

**The backward pass is an einsum too.** $Y$ is linear in each operand, so the gradient
of operand $i$ contracts the output gradient $G$ with all the *other* operands, and the
result is labelled with operand $i$'s letters:

$$\texttt{"bij,bjk->bik"}:\quad \bar A_{bij} = \sum_k G_{bik} B_{bjk}
\quad(\texttt{"bik,bjk->bij"}),\qquad \bar B_{bjk} = \sum_i G_{bik} A_{bij}.$$

Two cases need a constant factor. A letter that appears twice in operand $i$ (``"ii->i"``,
a diagonal) gets a fresh letter and a Kronecker delta $\delta_{ii'}$ (an identity matrix):
the gradient lands on the diagonal only. A letter that appears only in operand $i$ (summed
away before anything else touched it, as $j$ in ``"ij->i"``) gets a vector of ones: every
entry along it receives the same gradient. Because the backward calls :class:`Einsum`
itself on tensors, it is recorded under ``create_graph=True``, so second derivatives work.

>>> import numpy as np
>>> from groundup import Tensor, einsum
>>> A = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
>>> einsum("ii->", A).item()  # trace
5.0
>>> einsum("ii->", A).backward()
>>> A.grad.tolist()  # d trace / dA = I
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, TensorBase

__all__ = ["Einsum", "einsum"]


@functools.lru_cache(maxsize=512)
def parse_equation(
    equation: str, shapes: tuple[tuple[int, ...], ...]
) -> tuple[tuple[str, ...], str]:
    """The operands' letters and the output's, with ``...`` spelled out as letters.

    ``shapes`` are the operands' shapes; the ellipsis of each operand covers its leading
    axes not named by a letter, aligned on the right as broadcasting aligns them.

    >>> parse_equation("ij,jk", ((2, 3), (3, 4)))
    (('ij', 'jk'), 'ik')
    >>> parse_equation("...ij,...jk->...ik", ((5, 2, 3), (3, 4)))
    (('aij', 'jk'), 'aik')

    Raises
    ------
    ValueError
        The number of operands, an operand's number of axes, a letter's sizes, or an
        output letter that no operand has — each named.
    """
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(shapes):
        raise ValueError(
            f"einsum: equation {equation!r} names {len(specs)} operands, got {len(shapes)}"
        )
    for part in (*specs, rhs):
        bad = set(part.replace("...", "")) - set(string.ascii_letters)
        if bad or part.replace("...", "").count(".") or part.count("...") > 1:
            raise ValueError(
                f"einsum: subscripts {part!r} of {equation!r} must be letters and at most one '...'"
            )
    # the letters `...` becomes: unused ones, one per broadcast axis
    free = [c for c in string.ascii_letters if c not in eq]
    n_ell = []
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        named = len(spec.replace("...", ""))
        if "..." in spec and named <= len(shape):
            n_ell.append(len(shape) - named)
            continue
        n_ell.append(0)
        if named != len(shape):
            raise ValueError(
                f"einsum: operand {i} has {len(shape)} axes (shape {shape}) but its subscripts "
                f"{spec!r} in {equation!r} name {named}"
            )
    ell = "".join(free[: max(n_ell, default=0)])
    specs = [spec.replace("...", ell[len(ell) - k :]) for spec, k in zip(specs, n_ell, strict=True)]
    if arrow:  # broadcast axes missing from an explicit output are summed, as in NumPy
        out = rhs.replace("...", ell)
    else:  # implicit: the broadcast axes, then the letters seen once, alphabetically
        counts = "".join(s for s in specs)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    sizes: dict[str, int] = {}
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        for c in set(spec):
            if len({n for d, n in zip(spec, shape) if d == c}) > 1:
                raise ValueError(
                    f"einsum: letter {c!r} repeats in operand {i} (shape {shape}) with "
                    "different sizes; a repeated letter takes a diagonal of equal axes"
                )
        for c, n in zip(spec, shape):
            m = sizes.get(c, 1)
            if m != 1 and n != 1 and m != n:
                raise ValueError(
                    f"einsum: letter {c!r} of {equation!r} has size {m} in one operand and {n} "
                    f"in operand {i} (shape {shape})"
                )
            sizes[c] = max(m, n)
    for c in out:
        if c not in sizes or out.count(c) > 1:
            raise ValueError(
                f"einsum: output letter {c!r} of {equation!r} must appear once in the output "
                "and in some operand"
            )
    return tuple(specs), out


class Einsum(Function):
    r"""$Y = \mathrm{einsum}(\text{equation}, X_1, \dots, X_n)$; each $\bar X_i$ is an einsum of $G$ and the others."""

    @staticmethod
    def forward(ctx: Node, *arrays: np.ndarray, equation: str = "") -> np.ndarray:
        dtypes = {a.dtype for a in arrays}
        if len(dtypes) > 1:
            raise TypeError(
                f"einsum: operands must have the same dtype (as torch.einsum), got "
                f"{[str(a.dtype) for a in arrays]}"
            )
        specs, out = parse_equation(equation, tuple(a.shape for a in arrays))
        ctx.specs, ctx.out = specs, out
        ctx.shapes = tuple(a.shape for a in arrays)
        letters = ",".join(specs) + "->" + out
        # optimize: contract pairwise in the cheapest order (matrix products through BLAS)
        y = np.einsum(letters, *arrays, optimize=len(arrays) > 1)
        return np.asarray(y, dtype=arrays[0].dtype)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        # BEGIN SOLUTION
        inputs = ctx.inputs
        grads: list[Any] = []
        for i, (spec, shape) in enumerate(zip(ctx.specs, ctx.shapes)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [j for j in range(len(inputs)) if j != i]
            terms = [ctx.out] + [ctx.specs[j] for j in others]
            operands = [grad] + [inputs[j] for j in others]
            # a repeated letter (a diagonal): a fresh letter tied to it by $\delta_{cc'}$
            fresh = iter(c for c in string.ascii_letters if c not in "".join(terms) + spec)
            target = ""
            for c, n in zip(spec, shape):
                if c in target:
                    f = next(fresh)
                    terms.append(c + f)
                    operands.append(np.eye(n, dtype=grad.dtype))
                    c = f
                target += c
            # a letter only operand i has (summed away alone): every entry gets $G$, times 1
            present = "".join(terms)
            for c, n in zip(spec, shape):
                if c not in present:
                    terms.append(c)
                    operands.append(np.ones(n, dtype=grad.dtype))
                    present += c
            grads.append(Einsum.apply(*operands, equation=",".join(terms) + "->" + target))
        return tuple(grads)
        # END SOLUTION


def einsum(equation: str, *operands: Any) -> Any:
    r"""Sum of products over the letters of ``equation`` (``torch.einsum``; ``...`` broadcasts).

    Parameters
    ----------
    equation : str
        Comma-separated subscripts, one per operand, and optionally ``->`` and the output's.
    *operands : Tensor
        One tensor per subscript (or a single list of them, as ``torch.einsum`` accepts),
        all of one dtype.

    Returns
    -------
    Tensor
        The result, with the output's letters as axes.

    >>> import numpy as np
    >>> from groundup import Tensor
    >>> q = Tensor(np.ones((1, 2, 3)))  # (B, T, E)
    >>> k = Tensor(np.ones((1, 4, 3)))  # (B, S, E)
    >>> einsum("bte,bse->bts", q, k).shape
    (1, 2, 4)
    """
    if (
        len(operands) == 1
        and isinstance(operands[0], Sequence)
        and not isinstance(operands[0], TensorBase)
    ):
        operands = tuple(operands[0])
    if not any(isinstance(x, TensorBase) for x in operands):
        raise TypeError(
            f"einsum: operands must be Tensors, got {[type(x).__name__ for x in operands]}"
        )
    operands = tuple(x if isinstance(x, TensorBase) else np.asarray(x) for x in operands)
    return Einsum.apply(*operands, equation=equation)
