r"""In-place operations and the version counters that keep backward honest.

``x.add_(y)``, ``x += y``, ``x[i] = v``, ``x.copy_(src)``: each writes into ``x``'s own
memory. A backward that saved the old values must not silently read the new ones, so every
in-place change bumps a version counter that ``x`` shares with its views and its
``detach()``-ed aliases, and each graph node remembers the versions it saw
(:func:`groundup.foundations.autograd.increment_version` is the same bump for writes made
outside the engine, such as an optimiser's step). When ``x`` is in a graph the change is
recorded as PyTorch records it: the value before the change keeps its place in the graph,
and ``x`` becomes the output of the in-place op.

>>> from groundup import Tensor
>>> a = Tensor([1.0, 2.0], requires_grad=True)
>>> b = a * 1.0
>>> y = (b * b).sum()     # saves b
>>> b.add_(1.0)._version  # ... then b changes
1
>>> y.backward()
Traceback (most recent call last):
  ...
RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: ...

:class:`InPlaceOps` is a mixin of :class:`~groundup.foundations.computational_graph.Tensor`.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from groundup.foundations import autograd
from groundup.foundations.ops.arithmetic import Add, Div, Mul, Pow, Sub
from groundup.foundations.ops.elementwise import Clip
from groundup.foundations.ops.indexing import GetItem, SetItem

if TYPE_CHECKING:
    from groundup.foundations.computational_graph import Tensor

__all__ = ["InPlaceOps"]


class InPlaceOps:
    """The ``op_`` methods of a tensor and the machinery they share (a mixin, no state)."""

    __slots__ = ()

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had (``torch``'s ``_version``)."""
        return 0 if self._vc is None else self._vc[0]

    def _inplace(self, fn: type[autograd.Function], *others: Any, **kwargs: Any) -> Tensor:
        """``self <- fn(self, *others)`` written into this tensor's own memory (``op_``).

        Every in-place change bumps the version counter that this tensor shares with its
        views and ``detach()``-ed aliases; backward checks the versions it saved. With
        grad mode on and a tensor in the graph, the op is recorded: the old value keeps
        its place in the graph and ``self`` becomes the op's output, as in PyTorch.
        """
        record = autograd.is_grad_enabled() and (
            self.requires_grad
            or any(isinstance(o, autograd.TensorBase) and o.requires_grad for o in others)
        )
        if record and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        if self._vc is None:
            self._vc = [0]
        if not record:
            out = fn.apply(self, *others, **kwargs)
            _write_into(self, out)
            self._vc[0] += 1
            return self
        if self._view is not None:
            return self._inplace_view(fn, *others, **kwargs)
        # The value before the change takes `self`'s place in the graph so far. An op whose
        # backward reads that value gets a copy of it (PyTorch saves the original self too);
        # the node that made `self` keeps `self` as its output, so if it saved that output,
        # its backward sees the bumped version and raises, as PyTorch's does.
        old, before = self._old_value(fn)
        out = fn.apply(old, *others, **kwargs)
        _write_into(self, out)
        self._vc[0] += 1
        self._rebase(out.grad_fn, old, before)
        return self

    def _old_value(self, fn: type[autograd.Function]) -> tuple[Tensor, int]:
        """``self`` as it is now, to stand in the graph for it after an in-place change."""
        if fn in _READS_OLD_VALUE:
            old = type(self)._make(self.data.copy(), self.requires_grad)
        else:
            old = type(self)._make(self.data, self.requires_grad)
            old._vc = self._vc
        old.grad_fn = self.grad_fn
        return old, self._vc[0]

    def _rebase(self, node: autograd.Node, old: Tensor, before: int) -> None:
        """Make ``self`` the output of ``node``; nodes recorded earlier keep reaching ``old``."""
        node._out, node._out_version = weakref.ref(self), self._vc[0]
        if old.requires_grad:
            self._rebases = [*(self._rebases or ()), (before, old)]
            autograd._Rebased.any = True
        self.grad_fn, self.requires_grad = node, True

    def _inplace_view(self, fn: type[autograd.Function], *others: Any, **kwargs: Any) -> Tensor:
        """An in-place op on a slice ``base[index]``: ``base[index] = fn(base[index], ...)``.

        The change is recorded on the base (which other views and aliases share), and this
        slice becomes a fresh slice of the changed base (PyTorch's ``CopySlices``).
        """
        if not self._view:
            raise RuntimeError(
                f"{fn.__name__} in place on a view made by reshape/transpose/expand of a tensor "
                "in the graph is not supported: change the tensor itself, or clone() the view"
            )
        base, index = self._view
        if base.requires_grad and base.grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )
        old, before = self._old_value(fn)
        value = fn.apply(old, *others, **kwargs)
        if value.data.shape != self.data.shape:
            _write_into(self, value)  # raises the shape error
        base._inplace(SetItem, value, index=index, inplace=True)  # bumps the shared version
        fresh = GetItem.apply(base, index=index)
        self._rebase(fresh.grad_fn, old, before)
        return self

    def add_(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        return self._inplace(Add, other if alpha == 1 else other * alpha)

    def sub_(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        return self._inplace(Sub, other if alpha == 1 else other * alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace(Mul, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace(Div, other)

    def pow_(self, exponent: Any) -> Tensor:
        return self._inplace(Pow, exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        return self._inplace(Clip, min=min, max=max)

    clip_ = clamp_

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(Add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(Sub, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(Mul, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(Div, other)

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape) into this tensor; differentiable in ``src``."""
        return self._inplace(SetItem, src, index=Ellipsis, inplace=True)

    def fill_(self, value: Any) -> Tensor:
        return self._inplace(SetItem, value, index=Ellipsis, inplace=True)

    def zero_(self) -> Tensor:
        return self.fill_(0)


# in-place ops whose backward needs the value ``self`` had before the change
_READS_OLD_VALUE = (Mul, Div, Pow)


def _write_into(t: Tensor, out: Tensor) -> None:
    """Copy the result of an in-place op into ``t``'s memory (same shape; same-kind dtype)."""
    if out.data is t.data:  # the op wrote there itself
        return
    if out.data.shape != t.data.shape:
        raise RuntimeError(
            f"output with shape {list(t.data.shape)} doesn't match the broadcast shape "
            f"{list(out.data.shape)}"
        )
    if not np.can_cast(out.data.dtype, t.data.dtype, casting="same_kind"):
        raise RuntimeError(
            f"result type {out.data.dtype} can't be cast to the desired output type {t.data.dtype}"
        )
    np.copyto(t.data, out.data, casting="same_kind")
